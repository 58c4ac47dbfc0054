// What the server sends the client besides the app's messages: the suspend and resume frames,
// each with the frame key of the connection it goes to. Declared here again, not imported from
// functions/, so that the client depends on nothing; test/unit/core/protocol/frame-types.test.ts
// keeps the two declarations the same.

/** Sent by the server before a deployment: hold outgoing messages until `resume`. */
export interface SuspendFrame {
  type: 'suspend';
  runId: string;
  deploymentId: string | null;
  at: string;
  /**
   * When the server expects to have resumed the connection at the latest (null: no such time).
   * The client waits `resumeBy - at`, counted on its own clock from the frame's arrival.
   */
  resumeBy: string | null;
}

/** Sent by the server after the deployment: the connection may talk again. */
export interface ResumeFrame {
  type: 'resume';
  runId: string;
  suspendRunId: string | null;
  deploymentId: string | null;
  at: string;
}

export type ControlFrame = SuspendFrame | ResumeFrame;

/**
 * A frame as it comes over the wire: `key` is the frame key of the connection it was sent to
 * (absent on a connection opened without one). The client checks it and never hands it on.
 */
export type KeyedControlFrame = ControlFrame & { key?: string };

// Control frames are about 150 bytes; longer messages are the app's and are not parsed twice.
const maxControlFrameLength = 4096;

/**
 * The control frame `data` carries, without its key, or null when it is not one of ws-channels'
 * frames to this connection: anything that is not a JSON object of exactly the shape the server
 * sends (type, runId, at, and the nullable ids) with `key` equal to `frameKey` (the connection's
 * own, from the URL its socket was opened with) is an app message. So an app message that happens
 * to have `"type": "resume"` is not swallowed, and a frame forged by another client, or a copy of
 * a genuine frame to another connection relayed by the app, is not taken.
 */
export function parseControlFrame(data: unknown, frameKey: string): ControlFrame | null {
  if (typeof data !== 'string' || data.length > maxControlFrameLength) return null;
  if (typeof frameKey !== 'string' || frameKey === '' || !data.includes(frameKey)) return null;
  if (!data.trimStart().startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
  if (fields.key !== frameKey) return null;
  const { type, runId, deploymentId, at } = fields;
  if (typeof runId !== 'string' || typeof at !== 'string' || !isNullableString(deploymentId)) {
    return null;
  }
  // Servers from before resumeBy leave it out: no time was given.
  const resumeBy = fields.resumeBy === undefined ? null : fields.resumeBy;
  if (type === 'suspend' && isNullableString(resumeBy)) {
    return { type, runId, deploymentId, at, resumeBy };
  }
  if (type === 'resume' && isNullableString(fields.suspendRunId)) {
    return { type, runId, suspendRunId: fields.suspendRunId, deploymentId, at };
  }
  return null;
}

function isNullableString(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}
