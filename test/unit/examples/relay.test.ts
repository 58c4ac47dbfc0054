import { describe, expect, it } from 'vitest';
import { relayToEveryMember } from '../../../examples/echo/relay.js';
import type { MessagePoster } from '../../../functions/core/ports.js';

class RecordingPoster implements MessagePoster {
  readonly posts: Array<{ connectionId: string; text: string }> = [];
  constructor(readonly failFor: Record<string, number> = {}) {}
  async post(connectionId: string, data: Uint8Array) {
    const status = this.failFor[connectionId];
    if (status !== undefined) {
      throw Object.assign(new Error('refused'), { $metadata: { httpStatusCode: status } });
    }
    this.posts.push({ connectionId, text: Buffer.from(data).toString('utf8') });
  }
}

const pagesOf = (...pages: string[][]) =>
  async function* () {
    yield* pages;
  };
const sendmessage = (body: unknown) => ({
  requestContext: { connectionId: 'sender=', routeKey: 'sendmessage' },
  body,
});

describe("relayToEveryMember (the sample chat's sendmessage)", () => {
  it('posts data verbatim to every connection of every page, the sender included', async () => {
    const poster = new RecordingPoster();
    const data = '{"type":"suspend","runId":"x","deploymentId":null,"at":"t","resumeBy":null}';

    const response = await relayToEveryMember({
      connectionIds: pagesOf(['a=', 'sender='], ['b=']),
      poster,
    })(sendmessage(JSON.stringify({ action: 'sendmessage', data })));

    expect(response).toEqual({ statusCode: 200 });
    expect(poster.posts).toEqual([
      { connectionId: 'a=', text: data },
      { connectionId: 'sender=', text: data },
      { connectionId: 'b=', text: data },
    ]);
  });

  it('skips members that left (410) and fails, after the others, on any other refusal', async () => {
    const poster = new RecordingPoster({ 'gone=': 410, 'broken=': 500 });
    const relay = relayToEveryMember({
      connectionIds: pagesOf(['gone=', 'broken=', 'b=']),
      poster,
    });

    await expect(relay(sendmessage('{"action":"sendmessage","data":"hi"}'))).rejects.toThrow(
      /1 relayed posts failed/,
    );
    expect(poster.posts).toEqual([{ connectionId: 'b=', text: 'hi' }]);
  });

  it('answers 400 to a body without text data', async () => {
    const relay = relayToEveryMember({ connectionIds: pagesOf([]), poster: new RecordingPoster() });

    for (const body of ['not json', '{"action":"sendmessage"}', '{"data":5}', undefined]) {
      expect(await relay(sendmessage(body))).toMatchObject({ statusCode: 400 });
    }
  });
});
