import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChannelsClient, frameKeyParameter, withChannelsKey } from '../../../client/index.js';
import { isFrameKey } from '../../../functions/core/protocol/frame-key.js';
import { CONNECTING, FakeSocket, recordEvents, suspendText } from '../../support/fake-socket.js';

const url = 'wss://abc123.execute-api.eu-west-1.amazonaws.com/prod';
const keyOf = (keyed: string) => new URL(keyed).searchParams.get('wsChannelsKey');

describe('withChannelsKey', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('gives the URL a fresh frame key of 128 bits from crypto.getRandomValues, in the form $connect takes', () => {
    // Prepare
    const getRandomValues = vi.spyOn(globalThis.crypto, 'getRandomValues');

    // Act
    const first = withChannelsKey(url);
    const second = withChannelsKey(new URL(url));

    // Assess
    expect(frameKeyParameter).toBe('wsChannelsKey');
    expect(first).toMatch(
      /^wss:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/prod\?wsChannelsKey=[\w-]{22}$/,
    );
    expect(isFrameKey(keyOf(first))).toBe(true);
    expect(keyOf(second)).not.toBe(keyOf(first));
    expect(getRandomValues).toHaveBeenCalledTimes(2);
    expect(getRandomValues.mock.calls[0]?.[0]).toHaveProperty('byteLength', 16);
  });

  it('keeps the rest of the query as written and replaces a key it had', () => {
    const keyed = withChannelsKey(`${url}?token=a%20b+c&wsChannelsKey=old&room=lobby`);

    expect(keyed).toMatch(/\?token=a%20b\+c&room=lobby&wsChannelsKey=[\w-]{22}$/);
    expect(new URL(keyed).searchParams.getAll('wsChannelsKey')).toHaveLength(1);
  });

  it('refuses what is not a URL with a TypeError that names it', () => {
    expect(() => withChannelsKey('not a url')).toThrow(TypeError);
    expect(() => withChannelsKey('not a url')).toThrow(/withChannelsKey: expected a WebSocket URL/);
  });
});

describe('ChannelsClient: the frame key of the socket it wraps', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads each socket's key from its url: after a reconnect, only the new socket's key counts", () => {
    // Prepare: a factory that opens every socket with a fresh key, as the docs say.
    vi.useFakeTimers();
    const made: FakeSocket[] = [];
    const client = new ChannelsClient(() => {
      const socket = new FakeSocket(CONNECTING, withChannelsKey(url));
      made.push(socket);
      return socket;
    });
    const events = recordEvents(client);
    made[0]?.open();
    const firstKey = keyOf(made[0]?.url ?? '') ?? '';

    // Act: the connection drops; the helper connects again.
    made[0]?.close();
    vi.advanceTimersByTime(1_000);
    made[1]?.open();
    const secondKey = keyOf(made[1]?.url ?? '') ?? '';
    made[1]?.receive(suspendText('run-s1', null, firstKey));
    const stateOnOldKey = client.state;
    made[1]?.receive(suspendText('run-s1', null, secondKey));

    // Assess
    expect(secondKey).not.toBe(firstKey);
    expect(stateOnOldKey).toBe('active');
    expect(client.state).toBe('suspended');
    expect(events.map((event) => event.type)).toEqual(['reconnect', 'message', 'suspend']);
  });
});
