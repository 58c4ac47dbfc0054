import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type WsWebSocket from 'ws';
import {
  ChannelsClient,
  ChannelsQueueFullError,
  parseControlFrame,
  pingMessage,
  type ResumeDetail,
  type WebSocketLike,
} from '../../client/index.js';
import * as serverFrames from '../../functions/lib/core/frames.js';
import {
  CONNECTING,
  FakeSocket,
  OPEN,
  recordEvents,
  resumeText,
  suspendFrame,
  suspendText,
} from '../support/fake-socket.js';

describe('ChannelsClient: input', () => {
  it('rejects what is not a WebSocket, and bad options, with a TypeError', () => {
    expect(() => new ChannelsClient({} as WebSocketLike)).toThrow(TypeError);
    expect(() => new ChannelsClient(null as unknown as WebSocketLike)).toThrow(/socket/);
    expect(() => new ChannelsClient(new FakeSocket(), { maxQueued: 0 })).toThrow(TypeError);
    expect(() => new ChannelsClient(new FakeSocket(), { maxQueued: 1.5 })).toThrow(/maxQueued/);
    expect(() => new ChannelsClient(new FakeSocket(), { maxQueued: Number.NaN })).toThrow(
      TypeError,
    );
    expect(new ChannelsClient(new FakeSocket(), { maxQueued: Infinity }).maxQueued).toBe(Infinity);
    expect(new ChannelsClient(new FakeSocket()).maxQueued).toBe(10_000);
  });

  it('rejects a message WebSocket.send would not take, before holding or sending anything', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    expect(() => client.send(42 as unknown as string)).toThrow(TypeError);
    expect(() => client.send({ text: 'x' } as unknown as string)).toThrow(TypeError);
    socket.receive(suspendText());
    expect(() => client.send(undefined as unknown as string)).toThrow(TypeError);
    expect(client.queued).toBe(0);
    expect(socket.sent).toEqual([]);
  });

  it('sends strings, ArrayBuffers, typed arrays and Blobs', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const buffer = new ArrayBuffer(2);
    const bytes = new Uint8Array([1, 2]);
    const blob = new Blob(['b']);
    client.send('text');
    client.send(buffer);
    client.send(bytes);
    client.send(blob);
    expect(socket.sent).toEqual(['text', buffer, bytes, blob]);
  });

  it('accepts the sockets of browsers, of Node and of the ws package (checked by tsc)', () => {
    expectTypeOf<WebSocket>().toExtend<WebSocketLike>();
    expectTypeOf<WsWebSocket>().toExtend<WebSocketLike>();
    expectTypeOf<FakeSocket>().toExtend<WebSocketLike>();
    expectTypeOf<{ readyState: number; send(data: string): void }>().not.toExtend<WebSocketLike>();
  });
});

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

describe('ChannelsClient: resumeBy', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const resumeBy = '2026-01-01T00:15:00.000Z';
  const window = 15 * 60_000;
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse(at) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  /** Still suspended 1 ms before `ms` have passed, active at `ms`. */
  const expectOwnResumeAfter = (client: ChannelsClient, ms: number) => {
    vi.advanceTimersByTime(ms - 1);
    expect(client.state).toBe('suspended');
    vi.advanceTimersByTime(1);
    expect(client.state).toBe('active');
  };

  it('resumes on its own when resumeBy passes with no resume, sends what it held and says why', () => {
    // Prepare
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    const events = recordEvents(client);
    socket.receive(suspendText('run-s1', resumeBy));
    client.send('a');
    client.send('b');

    // Act
    vi.advanceTimersByTime(window - 1);
    const before = client.state;
    vi.advanceTimersByTime(1);

    // Assess
    expect(before).toBe('suspended');
    expect(client.state).toBe('active');
    expect(socket.sent).toEqual(['a', 'b']);
    expect(events).toEqual([
      { type: 'suspend', detail: suspendFrame('run-s1', resumeBy) },
      { type: 'resume', detail: { frame: null, flushed: 2, reason: 'resumeBy' } },
    ]);
    expect(vi.getTimerCount()).toBe(0);

    // A resume frame that comes late changes nothing.
    socket.receive(resumeText());
    expect(events).toHaveLength(2);
  });

  it('counts `resumeBy - at` from the frame`s arrival on its own clock, whatever that clock says', () => {
    // The client's clock is a day ahead of the server's: resumeBy is long past by that clock.
    vi.setSystemTime(Date.parse(at) + 24 * 60 * 60_000);
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    socket.receive(suspendText('run-s1', resumeBy));

    expectOwnResumeAfter(client, window);
  });

  it('does not resume on its own after the resume frame came', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    socket.receive(suspendText('run-s1', resumeBy));
    vi.advanceTimersByTime(window / 2);
    socket.receive(resumeText());
    vi.advanceTimersByTime(2 * window);

    expect(events.map((event) => [event.type, (event.detail as ResumeDetail).reason])).toEqual([
      ['suspend', undefined],
      ['resume', 'frame'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits for the latest resumeBy of two suspend runs, and never shortens the wait', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    socket.receive(suspendText('run-s1', resumeBy));
    vi.advanceTimersByTime(60_000);
    // A second deployment group's suspend, a minute later, with the same window.
    socket.receive(suspendText('run-s2', resumeBy));
    socket.receive(suspendText('run-s3', '2026-01-01T00:01:00.000Z'));
    socket.receive(suspendText('run-s4', null));

    expectOwnResumeAfter(client, window);
  });

  it('waits for the resume frame alone when the suspend frame gives no time', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    socket.receive(suspendText('run-s1', null));
    socket.receive(suspendText('run-s2', 'not a time'));
    vi.advanceTimersByTime(2 * 60 * 60_000);
    expect(client.state).toBe('suspended');
  });

  it('clears its timers on dispose and when it moves to a new socket (whose open resumes it)', () => {
    const first = new FakeSocket();
    const client = new ChannelsClient(first);
    const events = recordEvents(client);
    first.receive(suspendText('run-s1', resumeBy));
    expect(vi.getTimerCount()).toBe(2);

    const second = new FakeSocket(CONNECTING);
    client.attach(second);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2 * window);
    second.open();
    expect(events.map((event) => event.type)).toEqual(['suspend', 'resume']);
    expect(events[1]?.detail).toMatchObject({ reason: 'reconnect' });

    second.receive(suspendText('run-s2', resumeBy));
    expect(vi.getTimerCount()).toBe(2);
    client.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('parseControlFrame', () => {
  it('reads the frames the server encodes (functions/lib/core/frames.ts)', () => {
    const suspend: serverFrames.SuspendFrame = {
      type: 'suspend',
      runId: 'r1',
      deploymentId: null,
      at: '2026-01-01T00:00:00.000Z',
      resumeBy: '2026-01-01T00:15:00.000Z',
    };
    const resume = serverFrames.resumeFrameEncoder({
      runId: 'r2',
      deploymentId: 'd-1',
      at: '2026-01-01T00:01:00.000Z',
    })('r1');
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

    expect(parseControlFrame(text(serverFrames.encodeFrame(suspend)))).toEqual(suspend);
    expect(parseControlFrame(text(resume))).toEqual({
      type: 'resume',
      runId: 'r2',
      suspendRunId: 'r1',
      deploymentId: 'd-1',
      at: '2026-01-01T00:01:00.000Z',
    });
    expectTypeOf<serverFrames.ControlFrame>().toEqualTypeOf<
      NonNullable<ReturnType<typeof parseControlFrame>>
    >();
  });

  it.each([
    ['not JSON', '{"type":"suspend"'],
    ['plain text', 'suspend'],
    ['a JSON string', '"suspend"'],
    ['JSON null', 'null'],
    ['an array', '[{"type":"suspend"}]'],
    ['an app object without our type', '{"type":"chat","runId":"r","deploymentId":null,"at":"t"}'],
    ['an app object with type suspend but not our fields', '{"type":"suspend","room":"lobby"}'],
    ['a resume without suspendRunId', '{"type":"resume","runId":"r","deploymentId":null,"at":"t"}'],
    ['a numeric runId', '{"type":"suspend","runId":1,"deploymentId":null,"at":"t"}'],
    [
      'a suspend with a numeric resumeBy',
      '{"type":"suspend","runId":"r","deploymentId":null,"at":"t","resumeBy":5}',
    ],
    ['binary data', new Uint8Array([123, 125])],
    [
      'a long message',
      `{"type":"suspend","runId":"r","deploymentId":null,"at":"${'t'.repeat(5000)}"}`,
    ],
  ])('takes %s as an app message', (_label, data) => {
    expect(parseControlFrame(data)).toBeNull();
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const handler = vi.fn();
    client.addEventListener('message', handler);
    socket.receive(data);
    expect(handler).toHaveBeenCalledOnce();
    expect(client.state).toBe('active');
  });

  it('keeps only the frame fields', () => {
    expect(
      parseControlFrame(
        ' {"type":"suspend","runId":"r","deploymentId":"d","at":"t","extra":{"x":1}}',
      ),
    ).toEqual({ type: 'suspend', runId: 'r', deploymentId: 'd', at: 't', resumeBy: null });
  });

  it('reads a suspend frame without resumeBy (a server from before it) as one with no time', () => {
    expect(
      parseControlFrame('{"type":"suspend","runId":"r","deploymentId":null,"at":"t"}'),
    ).toEqual({ type: 'suspend', runId: 'r', deploymentId: null, at: 't', resumeBy: null });
  });
});
