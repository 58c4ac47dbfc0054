import { describe, expect, it } from 'vitest';
import { echoMessage } from '../../../examples/echo/echo.js';
import type { MessagePoster } from '../../../functions/core/ports.js';

class RecordingPoster implements MessagePoster {
  readonly posts: Array<{ connectionId: string; text: string }> = [];
  async post(connectionId: string, data: Uint8Array) {
    this.posts.push({ connectionId, text: Buffer.from(data).toString('utf8') });
  }
}

const event = (connectionId: unknown, body?: unknown) => ({
  requestContext: { connectionId, routeKey: '$default' },
  body,
});

describe('echoMessage', () => {
  it('sends the message back to its sender', async () => {
    const poster = new RecordingPoster();
    await echoMessage({ poster })(event('abc=', 'hello'));
    expect(poster.posts).toEqual([{ connectionId: 'abc=', text: 'hello' }]);
  });

  it('decodes a base64 body', async () => {
    const poster = new RecordingPoster();
    await echoMessage({ poster })({
      ...event('abc=', Buffer.from('binary').toString('base64')),
      isBase64Encoded: true,
    });
    expect(poster.posts[0]?.text).toBe('binary');
  });

  it('rejects a body that is not a string', async () => {
    await expect(echoMessage({ poster: new RecordingPoster() })(event('a', 5))).rejects.toThrow(
      /body is not a string/,
    );
  });
});
