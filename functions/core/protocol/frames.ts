import { FrameTooLargeError } from '../errors.js';
import type { ChannelTarget, RunKind } from '../ports.js';
import { frameKeyLength, isFrameKey } from './frame-key.js';

// The control frames clients receive. Text frames, JSON. A frame to a connection opened with a
// frame key carries that key (`key`, last), so each is per connection: the JSON is encoded once
// per distinct content and each connection's key spliced into a copy of its bytes.

/** API Gateway's limit for one message sent through @connections. */
export const maxMessageBytes = 128 * 1024;

export interface SuspendFrame {
  type: 'suspend';
  runId: string;
  deploymentId: string | null;
  at: string;
  /**
   * When resume is expected at the latest (`at` plus RESUME_EXPECTED_WITHIN_MS); past it the
   * client helper resumes on its own. Null when the run was given no such time.
   */
  resumeBy: string | null;
}

export interface ResumeFrame {
  type: 'resume';
  runId: string;
  suspendRunId: string | null;
  deploymentId: string | null;
  at: string;
}

export type ControlFrame = SuspendFrame | ResumeFrame;

/**
 * A frame as it goes over the wire: `key` is the frame key of the connection it goes to, absent
 * for a connection opened without one (a client without the helper).
 */
export type KeyedControlFrame = ControlFrame & { key?: string };

const keyStart = Buffer.from(',"key":"', 'utf8');
const keyEnd = Buffer.from('"}', 'utf8');

/**
 * The frame's bytes for any connection, from one JSON encoding: without a key the same bytes
 * every time; with a key a copy with `,"key":"<key>"` spliced in before the closing brace (a
 * frame key is base64url: nothing in it needs escaping). The size limit is checked here, once,
 * for the longer keyed form, so that no post finds it too large.
 */
export function frameTemplate(frame: ControlFrame): (frameKey: string | undefined) => Uint8Array {
  const keyless = Buffer.from(JSON.stringify(frame), 'utf8');
  const prefix = Buffer.concat([keyless.subarray(0, keyless.byteLength - 1), keyStart]);
  const keyedLength = prefix.byteLength + frameKeyLength + keyEnd.byteLength;
  if (keyedLength > maxMessageBytes) throw new FrameTooLargeError(keyedLength, maxMessageBytes);
  return (frameKey) => {
    if (frameKey === undefined) return keyless;
    // Only the key's form keeps the splice valid JSON; the registry only stores keys of that form.
    if (!isFrameKey(frameKey)) {
      throw new TypeError(
        "The connection's frameKey is not a frame key (22 characters of base64url); its registry item was not written by ws-channels.",
      );
    }
    const bytes = Buffer.allocUnsafe(keyedLength);
    prefix.copy(bytes, 0);
    bytes.write(frameKey, prefix.byteLength, 'latin1');
    keyEnd.copy(bytes, prefix.byteLength + frameKeyLength);
    return bytes;
  };
}

/** The frame's bytes, with the key of the connection it goes to if it has one. */
export function encodeFrame(frame: ControlFrame, frameKey?: string): Uint8Array {
  if (frameKey !== undefined) return frameTemplate(frame)(frameKey);
  const bytes = Buffer.from(JSON.stringify(frame), 'utf8');
  if (bytes.byteLength > maxMessageBytes) {
    throw new FrameTooLargeError(bytes.byteLength, maxMessageBytes);
  }
  return bytes;
}

/** Encodes the resume frame for each suspend run once, however many connections it has. */
export function resumeFrameEncoder(base: Omit<ResumeFrame, 'type' | 'suspendRunId'>) {
  const cache = new Map<string | null, (frameKey: string | undefined) => Uint8Array>();
  return (suspendRunId: string | null, frameKey?: string): Uint8Array => {
    let template = cache.get(suspendRunId);
    if (!template) {
      template = frameTemplate({
        type: 'resume',
        runId: base.runId,
        suspendRunId,
        deploymentId: base.deploymentId,
        at: base.at,
      });
      cache.set(suspendRunId, template);
    }
    return template(frameKey);
  };
}

/** The suspend frame's `resumeBy`: `withinMs` after the run started; null without a setting. */
export function resumeByOf(startedAt: number, withinMs: number | undefined): string | null {
  return withinMs === undefined ? null : new Date(startedAt + withinMs).toISOString();
}

/**
 * The frame each target of a run gets, with the target's frame key: suspend sends the same frame
 * to all; resume names the suspend run that suspended each one. Encoded (and checked against the
 * size limit, with a key) up front.
 */
export function frameEncoderFor(
  kind: RunKind,
  run: { runId: string; deploymentId: string | null; at: string; resumeBy?: string | null },
): (target: ChannelTarget) => Uint8Array {
  const { runId, deploymentId, at } = run;
  if (kind === 'suspend') {
    const resumeBy = run.resumeBy ?? null;
    const template = frameTemplate({ type: 'suspend', runId, deploymentId, at, resumeBy });
    return (target) => template(target.frameKey);
  }
  const encode = resumeFrameEncoder({ runId, deploymentId, at });
  // Checked before any post: a frame too large for one connection is too large for all (a
  // huge DeploymentId), a precondition failure, not 200 per-connection failures. Run ids are
  // well under 64 characters.
  frameTemplate({ type: 'resume', runId, deploymentId, at, suspendRunId: 'x'.repeat(64) });
  return (target) => encode(target.suspendedBy, target.frameKey);
}
