import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ChannelsClient, parseControlFrame } from '../../../client/index.js';
import * as serverFrames from '../../../functions/core/protocol/frames.js';
import { FakeSocket } from '../../support/fake-socket.js';

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
