import { FrameTooLargeError } from '../errors.js';
import type { ChannelTarget, RunKind } from '../ports.js';

// The control frames clients receive. Text frames, JSON, encoded once per distinct content:
// a run sends the same bytes to every connection suspended by the same run.

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

export function encodeFrame(frame: ControlFrame): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(frame), 'utf8');
  if (bytes.byteLength > maxMessageBytes) {
    throw new FrameTooLargeError(bytes.byteLength, maxMessageBytes);
  }
  return bytes;
}

/** Encodes the resume frame for each suspend run once, however many connections it has. */
export function resumeFrameEncoder(base: Omit<ResumeFrame, 'type' | 'suspendRunId'>) {
  const cache = new Map<string | null, Uint8Array>();
  return (suspendRunId: string | null): Uint8Array => {
    let bytes = cache.get(suspendRunId);
    if (!bytes) {
      bytes = encodeFrame({
        type: 'resume',
        runId: base.runId,
        suspendRunId,
        deploymentId: base.deploymentId,
        at: base.at,
      });
      cache.set(suspendRunId, bytes);
    }
    return bytes;
  };
}

/** The suspend frame's `resumeBy`: `withinMs` after the run started; null without a setting. */
export function resumeByOf(startedAt: number, withinMs: number | undefined): string | null {
  return withinMs === undefined ? null : new Date(startedAt + withinMs).toISOString();
}

/**
 * The frame each target of a run gets: suspend sends the same bytes to all; resume names the
 * suspend run that suspended each one. Encoded (and checked against the size limit) up front.
 */
export function frameEncoderFor(
  kind: RunKind,
  run: { runId: string; deploymentId: string | null; at: string; resumeBy?: string | null },
): (target: ChannelTarget) => Uint8Array {
  const { runId, deploymentId, at } = run;
  if (kind === 'suspend') {
    const resumeBy = run.resumeBy ?? null;
    const bytes = encodeFrame({ type: 'suspend', runId, deploymentId, at, resumeBy });
    return () => bytes;
  }
  const encode = resumeFrameEncoder({ runId, deploymentId, at });
  // Checked before any post: a frame too large for one connection is too large for all (a
  // huge DeploymentId), a precondition failure, not 200 per-connection failures. Run ids are
  // well under 64 characters.
  encodeFrame({ type: 'resume', runId, deploymentId, at, suspendRunId: 'x'.repeat(64) });
  return (target) => encode(target.suspendedBy);
}
