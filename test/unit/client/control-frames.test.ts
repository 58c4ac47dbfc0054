import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ChannelsClient, parseControlFrame } from '../../../client/index.js';
import * as serverFrames from '../../../functions/core/protocol/frames.js';
import { FakeSocket, testFrameKey } from '../../support/fake-socket.js';

describe('parseControlFrame', () => {
  it('reads the frames the server encodes (functions/core/protocol/frames.ts)', () => {
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
    })('r1', testFrameKey);
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

    expect(
      parseControlFrame(text(serverFrames.encodeFrame(suspend, testFrameKey)), testFrameKey),
    ).toEqual(suspend);
    expect(parseControlFrame(text(resume), testFrameKey)).toEqual({
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

  // Each carries this connection's key, so that only its shape makes it an app message.
  const key = `"key":"${testFrameKey}"`;
  it.each([
    ['not JSON', `{"type":"suspend",${key}`],
    ['plain text', `suspend ${key}`],
    ['a JSON string', JSON.stringify(`{"type":"suspend",${key}}`)],
    ['an array', `[{"type":"suspend",${key}}]`],
    [
      'an app object without our type',
      `{"type":"chat","runId":"r","deploymentId":null,"at":"t",${key}}`,
    ],
    [
      'an app object with type suspend but not our fields',
      `{"type":"suspend","room":"lobby",${key}}`,
    ],
    [
      'a resume without suspendRunId',
      `{"type":"resume","runId":"r","deploymentId":null,"at":"t",${key}}`,
    ],
    ['a numeric runId', `{"type":"suspend","runId":1,"deploymentId":null,"at":"t",${key}}`],
    [
      'a suspend with a numeric resumeBy',
      `{"type":"suspend","runId":"r","deploymentId":null,"at":"t","resumeBy":5,${key}}`,
    ],
    [
      'binary data',
      new TextEncoder().encode(
        `{"type":"suspend","runId":"r","deploymentId":null,"at":"t",${key}}`,
      ),
    ],
    [
      'a long message',
      `{"type":"suspend","runId":"r","deploymentId":null,"at":"${'t'.repeat(5000)}",${key}}`,
    ],
    ['JSON null', 'null'],
  ])('takes %s as an app message', (_label, data) => {
    expect(parseControlFrame(data, testFrameKey)).toBeNull();
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
        ` {"type":"suspend","runId":"r","deploymentId":"d","at":"t","extra":{"x":1},"key":"${testFrameKey}"}`,
        testFrameKey,
      ),
    ).toEqual({ type: 'suspend', runId: 'r', deploymentId: 'd', at: 't', resumeBy: null });
  });

  it('reads a suspend frame without resumeBy (a server from before it) as one with no time', () => {
    expect(
      parseControlFrame(
        `{"type":"suspend","runId":"r","deploymentId":null,"at":"t","key":"${testFrameKey}"}`,
        testFrameKey,
      ),
    ).toEqual({ type: 'suspend', runId: 'r', deploymentId: null, at: 't', resumeBy: null });
  });
});
