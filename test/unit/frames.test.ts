import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  maxMessageBytes,
  resumeFrameEncoder,
  type SuspendFrame,
} from '../../functions/lib/core/frames.js';
import { FrameTooLargeError, PreconditionFailedError } from '../../functions/lib/errors.js';

const at = '2025-01-02T03:04:05.678Z';
const decode = (bytes: Uint8Array): unknown => JSON.parse(Buffer.from(bytes).toString('utf8'));

describe('encodeFrame', () => {
  it('encodes a suspend frame as UTF-8 JSON with exactly its fields', () => {
    // Act
    const bytes = encodeFrame({ type: 'suspend', runId: 'run-1', deploymentId: 'd-ABC', at });

    // Assess
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decode(bytes)).toEqual({ type: 'suspend', runId: 'run-1', deploymentId: 'd-ABC', at });
  });

  it('keeps a null deploymentId as null (a manual run)', () => {
    const bytes = encodeFrame({ type: 'suspend', runId: 'run-1', deploymentId: null, at });

    expect(decode(bytes)).toEqual({ type: 'suspend', runId: 'run-1', deploymentId: null, at });
    expect(Buffer.from(bytes).toString('utf8')).toContain('"deploymentId":null');
  });

  it('encodes a resume frame with exactly its fields', () => {
    const bytes = encodeFrame({
      type: 'resume',
      runId: 'run-2',
      suspendRunId: 'run-1',
      deploymentId: 'd-ABC',
      at,
    });

    expect(decode(bytes)).toEqual({
      type: 'resume',
      runId: 'run-2',
      suspendRunId: 'run-1',
      deploymentId: 'd-ABC',
      at,
    });
  });

  it('encodes non-ASCII text as UTF-8', () => {
    const bytes = encodeFrame({ type: 'suspend', runId: 'é✓', deploymentId: null, at });

    expect((decode(bytes) as SuspendFrame).runId).toBe('é✓');
    expect(bytes.byteLength).toBe(
      Buffer.byteLength(JSON.stringify({ type: 'suspend', runId: 'é✓', deploymentId: null, at })),
    );
  });

  it('rejects a frame over 128 KB (a runId of 132,000 characters) with a FrameTooLargeError naming the size and the limit', () => {
    // Prepare
    const frame: SuspendFrame = {
      type: 'suspend',
      runId: 'x'.repeat(132_000),
      deploymentId: null,
      at,
    };
    const size = Buffer.byteLength(JSON.stringify(frame));

    // Act
    let caught: unknown;
    try {
      encodeFrame(frame);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(maxMessageBytes).toBe(131_072);
    expect(caught).toBeInstanceOf(FrameTooLargeError);
    expect(caught).toBeInstanceOf(PreconditionFailedError);
    expect((caught as Error).message).toContain(`${size} bytes`);
    expect((caught as Error).message).toContain('131072');
  });

  it('accepts a frame of exactly 128 KB and rejects one byte more', () => {
    // Prepare: fill the runId so the encoded frame is exactly the limit.
    const overhead = Buffer.byteLength(
      JSON.stringify({ type: 'suspend', runId: '', deploymentId: null, at }),
    );
    const runId = 'x'.repeat(maxMessageBytes - overhead);

    // Act
    const bytes = encodeFrame({ type: 'suspend', runId, deploymentId: null, at });

    // Assess
    expect(bytes.byteLength).toBe(maxMessageBytes);
    expect(() =>
      encodeFrame({ type: 'suspend', runId: `${runId}x`, deploymentId: null, at }),
    ).toThrow(FrameTooLargeError);
  });

  it('counts bytes, not characters', () => {
    // 70,000 two-byte characters: fewer characters than the limit, more bytes.
    const frame: SuspendFrame = {
      type: 'suspend',
      runId: 'é'.repeat(70_000),
      deploymentId: null,
      at,
    };

    expect(() => encodeFrame(frame)).toThrow(FrameTooLargeError);
  });
});

describe('resumeFrameEncoder', () => {
  it('encodes the resume frame of each suspend run', () => {
    const encode = resumeFrameEncoder({ runId: 'run-2', deploymentId: 'd-ABC', at });

    expect(decode(encode('run-1'))).toEqual({
      type: 'resume',
      runId: 'run-2',
      suspendRunId: 'run-1',
      deploymentId: 'd-ABC',
      at,
    });
    expect(decode(encode(null))).toEqual({
      type: 'resume',
      runId: 'run-2',
      suspendRunId: null,
      deploymentId: 'd-ABC',
      at,
    });
  });

  it('returns the same bytes instance for the same suspend run, a different one for another', () => {
    // Prepare
    const encode = resumeFrameEncoder({ runId: 'run-2', deploymentId: null, at });

    // Act
    const first = encode('run-1');
    const again = encode('run-1');
    const other = encode('run-0');
    const none = encode(null);

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(encode('run-0')).toBe(other);
    expect(encode(null)).toBe(none);
    expect(none).not.toBe(first);
  });

  it('throws a FrameTooLargeError when the resume frame is over the limit', () => {
    const encode = resumeFrameEncoder({ runId: 'run-2', deploymentId: null, at });

    expect(() => encode('x'.repeat(132_000))).toThrow(FrameTooLargeError);
  });
});
