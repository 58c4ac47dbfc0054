import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelsClient } from '../../../client/index.js';
import { CONNECTING, FakeSocket, recordEvents, suspendText } from '../../support/fake-socket.js';

describe('ChannelsClient: connecting again with a socket factory (backoff and full jitter)', () => {
  let random = 0.5;
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00.000Z') });
    random = 0.5;
    vi.spyOn(Math, 'random').mockImplementation(() => random);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });
  /** A factory of sockets that start connecting; each one made is kept, in order. */
  const factory = () => {
    const made: FakeSocket[] = [];
    const connect = () => {
      const socket = new FakeSocket(CONNECTING);
      made.push(socket);
      return socket;
    };
    return { made, connect };
  };

  it('refused twice, then in: held messages go out once, in order, on the socket that opened', () => {
    // Prepare: the app types before any socket opened.
    const { made, connect } = factory();
    const client = new ChannelsClient(connect);
    const events = recordEvents(client);
    client.send('a');
    client.send('b');

    // Act: $connect refuses during the deployment window (closed before open), twice.
    made[0]?.close();
    client.send('c');
    vi.advanceTimersByTime(250);
    made[1]?.close();
    vi.advanceTimersByTime(499);
    expect(made).toHaveLength(2);
    vi.advanceTimersByTime(1);
    made[2]?.open();

    // Assess
    expect(made).toHaveLength(3);
    expect(made[0]?.sent).toEqual([]);
    expect(made[1]?.sent).toEqual([]);
    expect(made[2]?.sent).toEqual(['a', 'b', 'c']);
    expect(client.socket).toBe(made[2]);
    expect(events.map((event) => [event.type, event.detail])).toEqual([
      ['reconnect', { attempt: 1, delayMs: 250, refused: true }],
      ['reconnect', { attempt: 2, delayMs: 500, refused: true }],
    ]);
    client.send('d');
    expect(made[2]?.sent).toEqual(['a', 'b', 'c', 'd']);
  });

  it('waits a random time up to a cap that doubles per attempt, up to maxDelayMs', () => {
    random = 0.999;
    const { made, connect } = factory();
    const client = new ChannelsClient(connect, { retry: { firstDelayMs: 100, maxDelayMs: 1_000 } });
    const delays: number[] = [];
    client.addEventListener('reconnect', (event) => delays.push(event.detail.delayMs));

    for (let attempt = 0; attempt < 6; attempt++) {
      made.at(-1)?.close();
      vi.runOnlyPendingTimers();
    }

    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
    random = 0;
    made.at(-1)?.close();
    expect(delays.at(-1)).toBe(0);
  });

  it('starts the count again once a socket opens; a dropped one is not refused', () => {
    const { made, connect } = factory();
    const client = new ChannelsClient(connect);
    const events: Array<{ attempt: number; refused: boolean }> = [];
    client.addEventListener('reconnect', ({ detail }) =>
      events.push({ attempt: detail.attempt, refused: detail.refused }),
    );
    made[0]?.close();
    vi.runOnlyPendingTimers();
    made[1]?.close();
    vi.runOnlyPendingTimers();
    made[2]?.open();
    made[2]?.close();

    expect(events).toEqual([
      { attempt: 1, refused: true },
      { attempt: 2, refused: true },
      { attempt: 1, refused: false },
    ]);
  });

  it('a client suspended when its socket dropped resumes on the open of the next one', () => {
    const { made, connect } = factory();
    const client = new ChannelsClient(connect);
    made[0]?.open();
    made[0]?.receive(suspendText());
    client.send('held');
    made[0]?.close();
    vi.runOnlyPendingTimers();
    made[1]?.open();

    expect(client.state).toBe('active');
    expect(made[1]?.sent).toEqual(['held']);
  });

  it('stops connecting again once disposed, and when the app attaches a socket of its own', () => {
    const { made, connect } = factory();
    const client = new ChannelsClient(connect);
    made[0]?.close();
    const own = new FakeSocket(CONNECTING);
    client.attach(own);
    vi.runAllTimers();
    expect(made).toHaveLength(1);

    own.close();
    client.dispose();
    vi.runAllTimers();
    expect(made).toHaveLength(1);
  });

  it('tells a factory that throws through an error event, and tries again later', () => {
    let fail = true;
    const { made, connect } = factory();
    const client = new ChannelsClient(() => {
      if (made.length > 0 && fail) {
        fail = false;
        throw new SyntaxError('bad url');
      }
      return connect();
    });
    const events = recordEvents(client);
    made[0]?.close();
    vi.runOnlyPendingTimers();
    vi.runOnlyPendingTimers();

    expect(events.map((event) => event.type)).toEqual(['reconnect', 'error', 'reconnect']);
    expect(made).toHaveLength(2);
  });

  it("listens to the socket's errors only when it reconnects by itself (ws throws unheard ones)", () => {
    const { made, connect } = factory();
    const client = new ChannelsClient(connect);
    expect(made[0]?.listeners).toBe(4);
    client.dispose();
    expect(made[0]?.listeners).toBe(0);
    expect(new FakeSocket().listeners).toBe(0);
    const plain = new FakeSocket();
    new ChannelsClient(plain);
    expect(plain.listeners).toBe(3);
  });

  it('rejects retry delays that are not whole milliseconds, or a first delay over the most', () => {
    const { connect } = factory();
    expect(() => new ChannelsClient(connect, { retry: { firstDelayMs: -1 } })).toThrow(TypeError);
    expect(() => new ChannelsClient(connect, { retry: { maxDelayMs: 1.5 } })).toThrow(/retry/);
    expect(
      () => new ChannelsClient(connect, { retry: { firstDelayMs: 2_000, maxDelayMs: 1_000 } }),
    ).toThrow(TypeError);
    expect(new ChannelsClient(connect).retry).toEqual({ firstDelayMs: 500, maxDelayMs: 30_000 });
  });
});
