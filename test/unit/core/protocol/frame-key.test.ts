import { describe, expect, it } from 'vitest';
import {
  frameKeyOfConnect,
  frameKeyParameter,
  isFrameKey,
  malformedFrameKey,
} from '../../../../functions/core/protocol/frame-key.js';

const key = 'q0Zk7yJ3-aB_9xYwVuTs1w';
const connect = (query: Record<string, string> | null, multi?: Record<string, string[]>) => ({
  requestContext: { connectionId: 'c-1', routeKey: '$connect' },
  queryStringParameters: query,
  ...(multi ? { multiValueQueryStringParameters: multi } : {}),
});

describe('isFrameKey', () => {
  it('takes 22 characters of base64url and nothing else', () => {
    expect(isFrameKey(key)).toBe(true);
    expect(isFrameKey('A'.repeat(22))).toBe(true);
    for (const bad of [
      '',
      'A'.repeat(21),
      'A'.repeat(23),
      `${'A'.repeat(21)}=`,
      `${'A'.repeat(21)}+`,
    ]) {
      expect(isFrameKey(bad)).toBe(false);
    }
    expect(isFrameKey(undefined)).toBe(false);
    expect(isFrameKey(42)).toBe(false);
  });
});

describe('frameKeyOfConnect', () => {
  it('reads the key of the query parameter wsChannelsKey', () => {
    expect(frameKeyParameter).toBe('wsChannelsKey');
    expect(frameKeyOfConnect(connect({ wsChannelsKey: key, room: 'lobby' }))).toEqual({
      frameKey: key,
    });
  });

  it('reads no key from a $connect without one (a client without the helper)', () => {
    expect(frameKeyOfConnect(connect(null))).toEqual({ frameKey: undefined });
    expect(frameKeyOfConnect(connect({ room: 'lobby' }))).toEqual({ frameKey: undefined });
    expect(frameKeyOfConnect({ requestContext: { connectionId: 'c-1' } })).toEqual({
      frameKey: undefined,
    });
  });

  it('refuses a malformed or repeated key with a 400 that names the parameter and its form', () => {
    for (const bad of ['', 'short', `${key}x`, 'q0Zk7yJ3+aB/9xYwVuTs1w', `${key.slice(0, 20)}==`]) {
      expect(frameKeyOfConnect(connect({ wsChannelsKey: bad }))).toEqual({
        refused: malformedFrameKey,
      });
    }
    expect(
      frameKeyOfConnect(connect({ wsChannelsKey: key }, { wsChannelsKey: [key, 'A'.repeat(22)] })),
    ).toEqual({ refused: malformedFrameKey });
    expect(malformedFrameKey.statusCode).toBe(400);
    expect(malformedFrameKey.body).toMatch(/wsChannelsKey/);
    expect(malformedFrameKey.body).toMatch(/22 characters of base64url/);
  });
});
