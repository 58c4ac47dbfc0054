import { describe, expect, it } from 'vitest';
import { FrameTooLargeError, PreconditionFailedError } from '../../../../functions/core/errors.js';
import {
  encodeFrame,
  frameEncoderFor,
  frameTemplate,
  maxMessageBytes,
  resumeByOf,
  resumeFrameEncoder,
  type SuspendFrame,
} from '../../../../functions/core/protocol/frames.js';

const at = '2025-01-02T03:04:05.678Z';
const resumeBy = '2025-01-02T03:19:05.678Z';
const decode = (bytes: Uint8Array): unknown => JSON.parse(Buffer.from(bytes).toString('utf8'));

describe('encodeFrame', () => {
  it('encodes a suspend frame as UTF-8 JSON with exactly its fields', () => {
    // Act
    const bytes = encodeFrame({
      type: 'suspend',
      runId: 'run-1',
      deploymentId: 'd-ABC',
      at,
      resumeBy,
    });

    // Assess
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decode(bytes)).toEqual({
      type: 'suspend',
      runId: 'run-1',
      deploymentId: 'd-ABC',
      at,
      resumeBy,
    });
  });

  it('keeps a null deploymentId as null (a manual run)', () => {
    const bytes = encodeFrame({
      type: 'suspend',
      runId: 'run-1',
      deploymentId: null,
      at,
      resumeBy: null,
    });

    expect(decode(bytes)).toEqual({
      type: 'suspend',
      runId: 'run-1',
      deploymentId: null,
      at,
      resumeBy: null,
    });
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
    const bytes = encodeFrame({ type: 'suspend', runId: 'é✓', deploymentId: null, at, resumeBy });

    expect((decode(bytes) as SuspendFrame).runId).toBe('é✓');
    expect(bytes.byteLength).toBe(
      Buffer.byteLength(
        JSON.stringify({ type: 'suspend', runId: 'é✓', deploymentId: null, at, resumeBy }),
      ),
    );
  });

  it('rejects a frame over 128 KB (a runId of 132,000 characters) with a FrameTooLargeError naming the size and the limit', () => {
    // Prepare
    const frame: SuspendFrame = {
      type: 'suspend',
      runId: 'x'.repeat(132_000),
      deploymentId: null,
      at,
      resumeBy,
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
      JSON.stringify({ type: 'suspend', runId: '', deploymentId: null, at, resumeBy }),
    );
    const runId = 'x'.repeat(maxMessageBytes - overhead);

    // Act
    const bytes = encodeFrame({ type: 'suspend', runId, deploymentId: null, at, resumeBy });

    // Assess
    expect(bytes.byteLength).toBe(maxMessageBytes);
    expect(() =>
      encodeFrame({ type: 'suspend', runId: `${runId}x`, deploymentId: null, at, resumeBy }),
    ).toThrow(FrameTooLargeError);
  });

  it('counts bytes, not characters', () => {
    // 70,000 two-byte characters: fewer characters than the limit, more bytes.
    const frame: SuspendFrame = {
      type: 'suspend',
      runId: 'é'.repeat(70_000),
      deploymentId: null,
      at,
      resumeBy,
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

describe('resumeByOf', () => {
  it('is the ISO time the given span after the run started', () => {
    expect(resumeByOf(Date.parse(at), 15 * 60 * 1000)).toBe(resumeBy);
  });

  it('is null without a span', () => {
    expect(resumeByOf(Date.parse(at), undefined)).toBeNull();
  });
});

describe('frameEncoderFor', () => {
  const target = { connectionId: 'c1', suspendedBy: 'run-1', resumeAttempts: 0 };

  it('gives every target of a suspend run the same frame, with its resumeBy', () => {
    // Act
    const frameFor = frameEncoderFor('suspend', {
      runId: 'run-1',
      deploymentId: 'd-1',
      at,
      resumeBy,
    });

    // Assess
    expect(decode(frameFor(target))).toEqual({
      type: 'suspend',
      runId: 'run-1',
      deploymentId: 'd-1',
      at,
      resumeBy,
    });
    expect(frameFor({ connectionId: 'c2', suspendedBy: null, resumeAttempts: 0 })).toBe(
      frameFor(target),
    );
  });

  it('writes resumeBy as null when the run has none, so the field is always there', () => {
    const frameFor = frameEncoderFor('suspend', { runId: 'run-1', deploymentId: null, at });

    expect(Buffer.from(frameFor(target)).toString('utf8')).toContain('"resumeBy":null');
  });

  it('leaves resumeBy out of the resume frame', () => {
    const frameFor = frameEncoderFor('resume', {
      runId: 'run-2',
      deploymentId: null,
      at,
      resumeBy,
    });

    expect(decode(frameFor(target))).toEqual({
      type: 'resume',
      runId: 'run-2',
      suspendRunId: 'run-1',
      deploymentId: null,
      at,
    });
  });
});

describe('frames to a connection opened with a frame key', () => {
  const keyA = 'AAAAAAAAAAAAAAAAAAAAAA';
  const keyB = 'abcdefghijklmnopqrst-_';
  const suspend: SuspendFrame = {
    type: 'suspend',
    runId: 'run-1',
    deploymentId: 'd-1',
    at,
    resumeBy,
  };

  it('carry the key last, the frame fields as they are, byte for byte what JSON.stringify gives', () => {
    // Act
    const bytes = encodeFrame(suspend, keyA);

    // Assess
    expect(Buffer.from(bytes).toString('utf8')).toBe(JSON.stringify({ ...suspend, key: keyA }));
    expect(decode(encodeFrame(suspend))).toEqual(suspend);
  });

  it('give each target of a suspend run its own key, and a target without one the shared keyless bytes', () => {
    // Prepare
    const frameFor = frameEncoderFor('suspend', {
      runId: 'run-1',
      deploymentId: 'd-1',
      at,
      resumeBy,
    });
    const keyless = { connectionId: 'c0', suspendedBy: null, resumeAttempts: 0 };

    // Act
    const toA = frameFor({ ...keyless, connectionId: 'cA', frameKey: keyA });
    const toB = frameFor({ ...keyless, connectionId: 'cB', frameKey: keyB });

    // Assess
    expect(decode(toA)).toEqual({ ...suspend, key: keyA });
    expect(decode(toB)).toEqual({ ...suspend, key: keyB });
    expect(decode(frameFor(keyless))).toEqual(suspend);
    expect(frameFor(keyless)).toBe(frameFor({ ...keyless, connectionId: 'c1' }));
  });

  it('give each target of a resume run its suspend run and its key', () => {
    const frameFor = frameEncoderFor('resume', { runId: 'run-2', deploymentId: null, at });

    expect(
      decode(
        frameFor({ connectionId: 'c', suspendedBy: 'run-1', resumeAttempts: 0, frameKey: keyB }),
      ),
    ).toEqual({
      type: 'resume',
      runId: 'run-2',
      suspendRunId: 'run-1',
      deploymentId: null,
      at,
      key: keyB,
    });
  });

  it('are checked against 128 KB up front with a key, though the frame fits without one', () => {
    // Prepare: a runId that leaves room for the frame without a key, not for the key.
    const overhead = Buffer.byteLength(
      JSON.stringify({ type: 'suspend', runId: '', deploymentId: null, at, resumeBy }),
    );
    const runId = 'x'.repeat(maxMessageBytes - overhead - 10);

    // Act and Assess
    expect(
      encodeFrame({ type: 'suspend', runId, deploymentId: null, at, resumeBy }).byteLength,
    ).toBe(maxMessageBytes - 10);
    expect(() => frameEncoderFor('suspend', { runId, deploymentId: null, at, resumeBy })).toThrow(
      FrameTooLargeError,
    );
  });

  it('refuse a frameKey not of the form, which could break out of the JSON string', () => {
    const template = frameTemplate(suspend);

    for (const bad of ['x","type":"resume', 'short', `${keyA}A`, 'AAAAAAAAAAAAAAAAAAAAA=']) {
      expect(() => template(bad)).toThrow(/frameKey.*22 characters of base64url/);
    }
  });
});
