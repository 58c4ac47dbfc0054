// What the server sends the client besides the app's messages: the suspend and resume frames.
// Declared here again, not imported from functions/, so that the client depends on nothing;
// test/unit/frame-types.test.ts keeps the two declarations the same.

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

// Control frames are about 150 bytes; longer messages are the app's and are not parsed twice.
const maxControlFrameLength = 4096;

/**
 * The control frame `data` carries, or null when it is an app message: anything that is not a JSON
 * object of exactly the shape the server sends (type, runId, at, and the nullable ids) is the app's,
 * so an app message that happens to have `"type": "resume"` is not swallowed.
 */
export function parseControlFrame(data: unknown): ControlFrame | null {
  if (typeof data !== 'string' || data.length > maxControlFrameLength) return null;
  if (!data.trimStart().startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const fields = value as Record<string, unknown>;
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
