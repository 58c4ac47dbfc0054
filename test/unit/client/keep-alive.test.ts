import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelsClient, pingMessage } from '../../../client/index.js';
import { FakeSocket, recordEvents, resumeText, suspendText } from '../../support/fake-socket.js';

describe('ChannelsClient: keep-alive while suspended', () => {
  const minute = 60_000;
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00.000Z') });
    // The first ping comes at random within the first interval: here, halfway.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
  const pings = (socket: FakeSocket) => socket.sent.filter((data) => data === pingMessage).length;

  it('pings on its own route while suspended, every interval, never through the queue', () => {
    // Prepare
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: minute });
    const events = recordEvents(client);
    socket.receive(suspendText());
    client.send('held');

    // Act
    vi.advanceTimersByTime(minute / 2);
    const first = pings(socket);
    vi.advanceTimersByTime(3 * minute);

    // Assess
    expect(pingMessage).toBe('{"action":"ws-channels.ping"}');
    expect(first).toBe(1);
    expect(socket.sent).toEqual([pingMessage, pingMessage, pingMessage, pingMessage]);
    expect(client.queued).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['suspend']);
  });

  it('pings every 3 minutes by default, well inside API Gateway idle timeout of 10 minutes', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    socket.receive(suspendText());

    vi.advanceTimersByTime(10 * minute);

    expect(client.pingIntervalMs).toBe(180_000);
    // At 1.5, 4.5, 7.5 minutes.
    expect(pings(socket)).toBe(3);
  });

  it('never pings while active, and stops when the resume frame comes', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: minute });
    vi.advanceTimersByTime(5 * minute);
    expect(socket.sent).toEqual([]);

    socket.receive(suspendText());
    vi.advanceTimersByTime(minute);
    socket.receive(resumeText());
    vi.advanceTimersByTime(5 * minute);

    expect(pings(socket)).toBe(1);
    expect(client.state).toBe('active');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not ping with pingIntervalMs Infinity, and rejects an interval a timer cannot take', () => {
    const socket = new FakeSocket();
    new ChannelsClient(socket, { pingIntervalMs: Infinity });
    socket.receive(suspendText());
    vi.advanceTimersByTime(60 * minute);
    expect(socket.sent).toEqual([]);

    for (const pingIntervalMs of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
      expect(() => new ChannelsClient(new FakeSocket(), { pingIntervalMs })).toThrow(
        /pingIntervalMs/,
      );
    }
  });

  it('stops pinging and waiting when the socket closes; a failed ping is not the app`s concern', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: minute });
    const events = recordEvents(client);
    socket.receive(suspendText('run-s1', '2026-01-01T00:15:00.000Z'));
    socket.onSend = () => {
      throw new Error('socket buffer full');
    };
    vi.advanceTimersByTime(minute);
    socket.onSend = undefined;
    vi.advanceTimersByTime(minute);
    expect(pings(socket)).toBe(1);

    socket.close();
    vi.advanceTimersByTime(60 * minute);

    expect(vi.getTimerCount()).toBe(0);
    expect(client.state).toBe('suspended');
    expect(events.map((event) => event.type)).toEqual(['suspend']);
  });
});
