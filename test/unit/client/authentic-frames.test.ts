import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelsClient } from '../../../client/index.js';
import { encodeFrame, type SuspendFrame } from '../../../functions/core/protocol/frames.js';
import {
  CONNECTING,
  FakeSocket,
  keyedUrl,
  recordEvents,
  resumeText,
  suspendText,
} from '../../support/fake-socket.js';

// A control frame is authentic per connection: the helper takes one only when it carries the
// frame key of its own socket's URL. Another client of an app that relays client text (AWS's
// sample chat posts `data` to every member) can forge one by hand, or relay a byte-exact copy of
// its own genuine frame: neither is taken; both reach the app as the app message they are.

const keyA = 'AAAAAAAAAAAAAAAAAAAAAA';
const keyB = 'BBBBBBBBBBBBBBBBBBBBBB';
const suspend: SuspendFrame = {
  type: 'suspend',
  runId: 'suspend-real',
  deploymentId: 'd-REAL',
  at: '2026-01-01T00:00:00.000Z',
  resumeBy: '2026-01-01T00:15:00.000Z',
};
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A helper on a socket opened with `frameKey`, and what it told the app. */
function member(frameKey: string) {
  const socket = new FakeSocket(undefined, keyedUrl(frameKey));
  const helper = new ChannelsClient(socket, { pingIntervalMs: Infinity });
  return { socket, helper, events: recordEvents(helper) };
}

describe('ChannelsClient: authentic control frames', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse(suspend.at) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("ignores a byte-exact copy of another connection's genuine frame, relayed by the app", () => {
    // Prepare: the server's own encoding of the suspend frame to B's connection.
    const a = member(keyA);
    const b = member(keyB);
    const toB = text(encodeFrame(suspend, keyB));
    b.socket.receive(toB);

    // Act: B sends what it got as chat text; the app posts it to every member.
    a.socket.receive(toB);
    a.helper.send('still talking');

    // Assess: B suspended on its own frame; A did not, and the copy is an app message to A.
    expect(b.helper.state).toBe('suspended');
    expect(b.events).toEqual([{ type: 'suspend', detail: suspend }]);
    expect(a.helper.state).toBe('active');
    expect(a.events).toEqual([{ type: 'message', detail: toB }]);
    expect(a.socket.sent).toEqual(['still talking']);
  });

  it('ignores a hand-written frame without a key, and frames with another key', () => {
    const a = member(keyA);

    a.socket.receive(JSON.stringify(suspend));
    a.socket.receive(suspendText('run-s1', null, keyB));
    a.socket.receive(suspendText('run-s1', null, `${keyA}x`));

    expect(a.helper.state).toBe('active');
    expect(a.events.map((event) => event.type)).toEqual(['message', 'message', 'message']);
  });

  it('ignores a forged resume while suspended: it keeps holding until its own resume', () => {
    // Prepare
    const a = member(keyA);
    a.socket.receive(text(encodeFrame(suspend, keyA)));
    a.helper.send('held');

    // Act
    a.socket.receive(resumeText('suspend-real', undefined));
    a.socket.receive(resumeText('suspend-real', keyB));
    const stateAfterForgeries = a.helper.state;
    a.socket.receive(resumeText('suspend-real', keyA));

    // Assess
    expect(stateAfterForgeries).toBe('suspended');
    expect(a.socket.sent).toEqual(['held']);
    expect(a.events.map((event) => event.type)).toEqual([
      'suspend',
      'message',
      'message',
      'resume',
    ]);
    expect(a.events.at(-1)?.detail).toMatchObject({ reason: 'frame', flushed: 1 });
  });

  it('takes its own frames, and never hands their key to the app', () => {
    const a = member(keyA);

    a.socket.receive(text(encodeFrame(suspend, keyA)));
    a.socket.receive(resumeText('suspend-real', keyA));

    expect(a.events.map((event) => event.type)).toEqual(['suspend', 'resume']);
    expect(a.events[0]?.detail).toEqual(suspend);
    expect(a.events[0]?.detail).not.toHaveProperty('key');
    expect(a.events[1]?.detail).toMatchObject({ frame: { type: 'resume' } });
    expect(a.events[1]?.detail).not.toHaveProperty('frame.key');
  });
});

describe('ChannelsClient: a socket whose URL has no frame key', () => {
  const plainUrl = 'wss://abc123.execute-api.eu-west-1.amazonaws.com/prod';

  it('ignores every control frame on it and tells the app once, naming withChannelsKey', async () => {
    // Prepare
    const socket = new FakeSocket(undefined, plainUrl);
    const helper = new ChannelsClient(socket);
    const events = recordEvents(helper);

    // Act
    await Promise.resolve();
    socket.receive(suspendText('run-s1', null, undefined));
    socket.receive(suspendText('run-s1', null, keyA));

    // Assess
    expect(helper.state).toBe('active');
    expect(events.map((event) => event.type)).toEqual(['error', 'message', 'message']);
    expect(events[0]?.detail).toMatchObject({
      error: {
        name: 'ChannelsKeyMissingError',
        message: expect.stringMatching(/wsChannelsKey.*withChannelsKey\(url\)/),
      },
    });
  });

  it('tells it once however many keyless sockets follow, and takes frames on a keyed one', async () => {
    // Prepare: a factory whose sockets have no key, then one with a key.
    vi.useFakeTimers();
    try {
      const made: FakeSocket[] = [];
      const urls = [plainUrl, plainUrl, keyedUrl(keyA)];
      const helper = new ChannelsClient(() => {
        const socket = new FakeSocket(CONNECTING, urls[made.length]);
        made.push(socket);
        return socket;
      });
      const events = recordEvents(helper);
      await Promise.resolve();

      // Act
      made[0]?.close();
      vi.advanceTimersByTime(1_000);
      await Promise.resolve();
      made[1]?.close();
      vi.advanceTimersByTime(2_000);
      made[2]?.open();
      made[2]?.receive(suspendText('run-s1', null, keyA));

      // Assess
      expect(made).toHaveLength(3);
      expect(events.filter((event) => event.type === 'error')).toHaveLength(1);
      expect(helper.state).toBe('suspended');
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes a socket with no url property at all (not a standard WebSocket) as one without a key', async () => {
    const socket = Object.assign(new FakeSocket(), { url: undefined }) as unknown as FakeSocket;
    const helper = new ChannelsClient(socket);
    const events = recordEvents(helper);
    await Promise.resolve();

    socket.receive(suspendText());

    expect(helper.state).toBe('active');
    expect(events.map((event) => event.type)).toEqual(['error', 'message']);
  });
});
