import { describe, expect, it } from 'vitest';
import { ChannelsClient, ChannelsQueueFullError } from '../../../client/index.js';
import { FakeSocket, recordEvents, resumeText, suspendText } from '../../support/fake-socket.js';

describe('ChannelsClient: socket errors', () => {
  it('keeps a held message the socket refused, says so, and sends it with the next send', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    socket.receive(suspendText());
    client.send('1');
    client.send('2');
    const refusal = new Error('socket buffer full');
    socket.onSend = (data) => {
      if (data === '2') throw refusal;
    };
    socket.receive(resumeText());
    expect(socket.sent).toEqual(['1']);
    expect(client.queued).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['suspend', 'error', 'resume']);
    expect(events[1]?.detail).toEqual({ error: refusal, queued: 1 });
    expect(events[2]?.detail).toMatchObject({ flushed: 1 });

    socket.onSend = undefined;
    client.send('3');
    expect(socket.sent).toEqual(['1', '2', '3']);
    expect(client.queued).toBe(0);
  });

  it('lets what the socket throws on a direct send reach the caller, holding nothing', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.onSend = () => {
      throw new Error('refused');
    };
    expect(() => client.send('a')).toThrow('refused');
    expect(client.queued).toBe(0);
  });
});

describe('ChannelsClient: overflow', () => {
  it('refuses the newest message with an event and an error, keeping the held ones', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { maxQueued: 3 });
    const events = recordEvents(client);
    socket.receive(suspendText());
    client.send('1');
    client.send('2');
    client.send('3');

    expect(() => client.send('4')).toThrow(ChannelsQueueFullError);
    expect(() => client.send('5')).toThrow(/3 messages/);
    expect(client.queued).toBe(3);
    expect(events.filter((event) => event.type === 'overflow')).toEqual([
      { type: 'overflow', detail: { data: '4', maxQueued: 3 } },
      { type: 'overflow', detail: { data: '5', maxQueued: 3 } },
    ]);

    socket.receive(resumeText());
    expect(socket.sent).toEqual(['1', '2', '3']);
    client.send('6');
    expect(socket.sent).toEqual(['1', '2', '3', '6']);
  });

  it('gives the error a name and the limit', () => {
    const error = new ChannelsQueueFullError(7);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ChannelsQueueFullError');
    expect(error.maxQueued).toBe(7);
  });
});

describe('ChannelsClient: many messages', () => {
  it('sends 20,000 held messages in order, each once', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { maxQueued: 20_000 });
    socket.receive(suspendText());
    const expected = Array.from({ length: 20_000 }, (_, index) => String(index));
    for (const data of expected) client.send(data);
    socket.receive(resumeText());
    expect(socket.sent).toEqual(expected);
    expect(client.queued).toBe(0);
  });
});
