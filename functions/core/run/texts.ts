import type { Logger } from '../ports.js';
import { attemptedCount, failedCount } from './outcome.js';
import type { RunFields, RunSummary } from './summary.js';

// The log texts of edeliver's SuspendChannels / ResumeChannels, kept word for word so that an
// operator who knows edeliver reads the same lines, as structured JSON with the counts as fields.

export const runTexts = {
  suspend: {
    doing: 'Suspending',
    done: 'Suspended',
    none: 'No websocket connections are running.',
    consequence: (failed: number) =>
      `${failed} not suspended websockets might crash during the code upgrade.`,
    notSupportedDebug: (failed: number) =>
      `${failed} websocket connections were gone or did not answer in time; they were not suspended.`,
  },
  resume: {
    doing: 'Resuming',
    done: 'Resumed',
    none: 'No suspended websocket connections are waiting to be resumed.',
    consequence: (failed: number) =>
      `${failed} not resumed websockets might still hang for a while or might have been crashed.`,
    notSupportedDebug: (failed: number) =>
      `${failed} websocket connections were gone or did not answer in time; they were not resumed.`,
  },
} as const;

/** edeliver's closing lines for a finished run, and what an operator must know besides. */
export function logRunOutcome(logger: Logger, summary: RunSummary): void {
  const text = runTexts[summary.kind];
  const { counts } = summary;
  const failed = failedCount(counts);
  const fields = {
    runId: summary.runId,
    kind: summary.kind,
    trigger: summary.trigger,
    deploymentId: summary.deploymentId,
    outcome: summary.outcome,
    state: summary.state,
    counts,
    durationMs: summary.durationMs,
    postsPerSecond: summary.postsPerSecond,
    latencyMs: summary.latencyMs,
  };
  const attempted = attemptedCount(counts);
  if (summary.outcome === 'ok') {
    logger.info(`${text.done} ${attempted} websocket connections.`, fields);
  } else if (summary.outcome === 'not_supported') {
    logger.warn(`${text.doing} websocket connections is not supported.`, fields);
    logger.debug(text.notSupportedDebug(failed), { ...fields, failures: summary.failures });
  } else if (summary.outcome === 'errors') {
    logger.warn(
      `${text.done} ${counts.delivered} of ${counts.total} websocket connections. ${failed} failed.`,
      fields,
    );
    logger.debug(text.consequence(failed), { ...fields, failures: summary.failures });
  }
  if (summary.state === 'incomplete') {
    logger.warn(
      `Stopped before the Lambda's deadline: ${counts.remaining} websocket connections were not reached and stay ${summary.kind === 'resume' ? 'suspended' : 'active'}. Run ${summary.kind} again to reach them.`,
      fields,
    );
  }
  if (counts.unrecorded > 0) {
    logger.error(
      `${counts.unrecorded} results could not be written to the registry; those connections stay as they were.${summary.kind === 'resume' ? ' The next resume posts to them again.' : ''}`,
      fields,
    );
  }
}

export function logRunStart(logger: Logger, fields: RunFields, total: number): void {
  logger.info(`${runTexts[fields.kind].doing} ${total} websocket connections...`, {
    ...fields,
    total,
  });
}

export function logRunProgress(
  logger: Logger,
  fields: RunFields,
  progress: { settled: number; delivered: number; inFlight: number; elapsedMs: number },
  total: number,
): void {
  logger.info(
    `${runTexts[fields.kind].done} ${progress.delivered} of ${total} websocket connections so far.`,
    {
      ...fields,
      settled: progress.settled,
      delivered: progress.delivered,
      total,
      inFlight: progress.inFlight,
      postsPerSecond: Math.round((progress.settled * 1000) / Math.max(1, progress.elapsedMs)),
    },
  );
}
