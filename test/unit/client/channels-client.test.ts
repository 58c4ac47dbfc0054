import { describe, expect, it } from 'vitest';
import { ChannelsClient, type ResumeDetail } from '../../../client/index.js';
import {
  CONNECTING,
  FakeSocket,
  OPEN,
  recordEvents,
  resumeText,
  suspendFrame,
  suspendText,
} from '../../support/fake-socket.js';

describe('ChannelsClient: active', () => {
  it('sends at once on an open socket and holds nothing', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    client.send('a');
    client.send('b');
    expect(socket.sent).toEqual(['a', 'b']);
    expect(client.queued).toBe(0);
    expect(client.state).toBe('active');
  });

  it('holds messages sent before the socket opens and sends them, in order, on open', () => {
    const socket = new FakeSocket(CONNECTING);
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    client.send('1');
    client.send('2');
    expect(socket.sent).toEqual([]);
    expect(client.queued).toBe(2);

    socket.open();
    client.send('3');

    expect(socket.sent).toEqual(['1', '2', '3']);
    expect(client.queued).toBe(0);
    // Opening is not a resume: the server never suspended this connection.
    expect(events).toEqual([]);
  });

  it('passes app messages on as `message` events, text and binary', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    const binary = new Uint8Array([123, 34]).buffer;
    socket.receive('hello');
    socket.receive(binary);
    expect(events).toEqual([
      { type: 'message', detail: 'hello' },
      { type: 'message', detail: binary },
    ]);
  });
});

describe('ChannelsClient: suspend and resume', () => {
  it('holds messages while suspended, then sends them in order on resume and says how many', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    client.send('before');

    socket.receive(suspendText());
    expect(client.state).toBe('suspended');
    for (let index = 1; index <= 5; index++) client.send(`m${index}`);
    expect(socket.sent).toEqual(['before']);
    expect(client.queued).toBe(5);

    socket.receive(resumeText());
    expect(client.state).toBe('active');
    expect(client.queued).toBe(0);
    expect(socket.sent).toEqual(['before', 'm1', 'm2', 'm3', 'm4', 'm5']);

    client.send('after');
    expect(socket.sent.at(-1)).toBe('after');
    expect(events).toEqual([
      { type: 'suspend', detail: suspendFrame() },
      {
        type: 'resume',
        detail: {
          frame: {
            type: 'resume',
            runId: 'run-r1',
            suspendRunId: 'run-s1',
            deploymentId: 'd-ABC',
            at: '2026-01-01T00:01:00.000Z',
          },
          flushed: 5,
          reason: 'frame',
        } satisfies ResumeDetail,
      },
    ]);
  });

  it('has sent every held message by the time `resume` listeners run', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.receive(suspendText());
    client.send('held');
    const seen: unknown[] = [];
    client.addEventListener('resume', () => {
      seen.push([...socket.sent], client.queued, client.state);
      client.send('from the listener');
    });
    socket.receive(resumeText());
    expect(seen).toEqual([['held'], 0, 'active']);
    expect(socket.sent).toEqual(['held', 'from the listener']);
  });

  it('never passes control frames on as app messages', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const messages: unknown[] = [];
    client.addEventListener('message', (event) => messages.push(event.detail));
    socket.receive('one');
    socket.receive(suspendText());
    socket.receive(resumeText());
    socket.receive('two');
    expect(messages).toEqual(['one', 'two']);
  });

  it('keeps holding on a second suspend, without a second event, until one resume', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    socket.receive(suspendText('run-s1'));
    client.send('a');
    socket.receive(suspendText('run-s2'));
    client.send('b');
    expect(client.state).toBe('suspended');
    expect(client.queued).toBe(2);
    expect(socket.sent).toEqual([]);

    socket.receive(resumeText('run-s2'));
    expect(socket.sent).toEqual(['a', 'b']);
    expect(events.map((event) => event.type)).toEqual(['suspend', 'resume']);
    expect(events[0]?.detail).toMatchObject({ runId: 'run-s1' });
  });

  it('takes a resume without a suspend as harmless: no event, nothing sent twice', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    client.send('a');
    socket.receive(resumeText(null));
    client.send('b');
    expect(client.state).toBe('active');
    expect(socket.sent).toEqual(['a', 'b']);
    expect(events).toEqual([]);
  });

  it('keeps order when the app sends while held messages are being sent', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.receive(suspendText());
    client.send('1');
    client.send('2');
    client.send('3');
    // While the socket sends '1', the app (e.g. a listener the socket calls) sends 'late'.
    socket.onSend = (data) => {
      if (data === '1') client.send('late');
      if (data === '3') client.send('later');
    };
    socket.receive(resumeText());
    expect(socket.sent).toEqual(['1', '2', '3', 'late', 'later']);
    expect(client.queued).toBe(0);
  });

  it('stops sending held messages when a suspend arrives in the middle of it', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.receive(suspendText('run-s1'));
    for (const data of ['1', '2', '3']) client.send(data);
    socket.onSend = (data) => {
      if (data === '2') socket.receive(suspendText('run-s2'));
    };
    socket.receive(resumeText());
    expect(socket.sent).toEqual(['1', '2']);
    expect(client.state).toBe('suspended');
    expect(client.queued).toBe(1);

    socket.onSend = undefined;
    socket.receive(resumeText('run-s2'));
    expect(socket.sent).toEqual(['1', '2', '3']);
  });

  it('holds what is sent while the socket is closed instead of losing it', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.close();
    client.send('a');
    expect(socket.sent).toEqual([]);
    expect(client.queued).toBe(1);
  });
});

describe('ChannelsClient: attach after a reconnect', () => {
  it('holds messages while disconnected and sends them on the new socket when it opens', () => {
    const first = new FakeSocket();
    const client = new ChannelsClient(first);
    const events = recordEvents(client);
    client.send('a');
    first.close();
    client.send('b');
    client.send('c');

    const second = new FakeSocket(CONNECTING);
    client.attach(second);
    expect(second.sent).toEqual([]);
    second.open();

    expect(first.sent).toEqual(['a']);
    expect(second.sent).toEqual(['b', 'c']);
    expect(client.socket).toBe(second);
    expect(events).toEqual([]);
  });

  it('resumes on the open of the new socket when it was suspended (no resume frame comes)', () => {
    const first = new FakeSocket();
    const client = new ChannelsClient(first);
    const events = recordEvents(client);
    first.receive(suspendText());
    client.send('a');
    client.send('b');
    first.close();

    const second = new FakeSocket(CONNECTING);
    client.attach(second);
    expect(client.state).toBe('suspended');
    second.open();

    expect(client.state).toBe('active');
    expect(second.sent).toEqual(['a', 'b']);
    expect(events.map((event) => event.type)).toEqual(['suspend', 'resume']);
    expect(events[1]?.detail).toEqual({ frame: null, flushed: 2, reason: 'reconnect' });
  });

  it('sends at once when the new socket is already open', () => {
    const first = new FakeSocket(CONNECTING);
    const client = new ChannelsClient(first);
    client.send('a');
    const second = new FakeSocket(OPEN);
    client.attach(second);
    expect(second.sent).toEqual(['a']);
  });

  it('treats attaching the same socket again as nothing: a suspended client stays suspended', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.receive(suspendText());
    client.send('a');
    client.attach(socket);
    expect(client.state).toBe('suspended');
    expect(socket.sent).toEqual([]);
    socket.receive(resumeText());
    expect(socket.sent).toEqual(['a']);
  });

  it('stops listening to the old socket', () => {
    const first = new FakeSocket();
    const client = new ChannelsClient(first);
    const events = recordEvents(client);
    const second = new FakeSocket();
    client.attach(second);
    expect(first.listeners).toBe(0);

    first.receive(suspendText());
    first.receive('stale');
    client.send('a');

    expect(client.state).toBe('active');
    expect(events).toEqual([]);
    expect(first.sent).toEqual([]);
    expect(second.sent).toEqual(['a']);
  });
});

describe('ChannelsClient: dispose', () => {
  it('removes its listeners, returns the held messages and refuses to send', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    expect(socket.listeners).toBeGreaterThan(0);
    const events = recordEvents(client);
    socket.receive(suspendText());
    client.send('a');
    client.send('b');

    expect(client.dispose()).toEqual(['a', 'b']);
    expect(socket.listeners).toBe(0);
    expect(client.queued).toBe(0);
    expect(client.dispose()).toEqual([]);

    socket.receive(resumeText());
    socket.receive('late');
    expect(socket.sent).toEqual([]);
    expect(events.map((event) => event.type)).toEqual(['suspend']);
    expect(() => client.send('c')).toThrow(/disposed/);
    expect(() => client.attach(new FakeSocket())).toThrow(/disposed/);
  });
});
