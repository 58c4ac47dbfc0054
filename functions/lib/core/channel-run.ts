import { randomUUID } from 'node:crypto';
import { RegistryNotDetectedError } from '../errors.js';
import { type BulkPostSummary, postToAll } from './bulk-post.js';
import type { PostFailure } from './classify.js';
import type { Invocation } from './events.js';
import { encodeFrame, resumeFrameEncoder } from './frames.js';
import {
  type Counts,
  emptyCounts,
  errorRatio,
  failedCount,
  type Outcome,
  outcomeOf,
} from './outcome.js';
import type {
  ChannelStore,
  ChannelTarget,
  Clock,
  HookStatus,
  Logger,
  MessagePoster,
  RunKind,
  RunLog,
  RunState,
} from './ports.js';

// One suspend or resume run, the seed's SuspendChannels / ResumeChannels: count, announce, post
// the control frame to every target through the bulk mechanism, record each result, decide the
// outcome, log the seed's lines, keep the run record. Pure logic: every effect goes through a port.

export interface RunSettings {
  concurrency: number;
  timeoutMs: number;
  maxPostsPerSecond: number | undefined;
  failOnErrorRatio: number | undefined;
}

export interface FailureSample {
  connectionId: string;
  reason: string;
  name: string;
  status: number | undefined;
  message: string;
}

export interface RunSummary {
  runId: string;
  kind: RunKind;
  trigger: Invocation['trigger'];
  deploymentId: string | null;
  lifecycleEventHookExecutionId: string | null;
  dryRun: boolean;
  state: RunState;
  outcome: Outcome | 'dry_run';
  counts: Counts;
  /** Share of attempted posts that failed for a reason that is an error (gone excluded). */
  errorRatio: number;
  /** Results skipped by their write condition (deleted or suspended again meanwhile). */
  skipped: number;
  /** Results that could not be written; those connections stay suspended. */
  unrecorded: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  postsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  maxInFlight: number;
  failures: FailureSample[];
  /** What a CodeDeploy hook reports for this run. */
  hookStatus: HookStatus;
  message: string;
}

export interface RunMetrics {
  publish(summary: RunSummary): void;
}

export interface ChannelRunOptions {
  kind: RunKind;
  invocation: Invocation;
  settings: RunSettings;
  store: ChannelStore;
  poster: MessagePoster;
  runLog: RunLog;
  logger: Logger;
  clock: Clock;
  metrics?: RunMetrics;
  /** The Lambda's remaining time; the run stops dispatching `deadlineMarginMs` before it ends. */
  remainingTimeMs: () => number;
  deadlineMarginMs?: number;
  failureSampleSize?: number;
  progressIntervalMs?: number;
  newRunId?: (kind: RunKind, now: number) => string;
}

const texts = {
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

const maxLambdaMs = 15 * 60 * 1000;

export const defaultRunId = (kind: RunKind, now: number) =>
  `${kind}-${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;

/** Runs one suspend or resume. Throws PreconditionFailedError (and the run record says failed). */
export async function runChannels(options: ChannelRunOptions): Promise<RunSummary> {
  const { kind, invocation, settings, store, runLog, logger, clock } = options;
  const text = texts[kind];
  const started = clock.now();
  const runId = (options.newRunId ?? defaultRunId)(kind, started);
  const run = { runId, startedAt: started };
  const deploymentId = invocation.hook?.deploymentId ?? null;
  const timeoutMs = invocation.request.timeoutMs ?? settings.timeoutMs;
  const concurrency = invocation.request.concurrency ?? settings.concurrency;
  // Enough for the posts in flight (with their throttling retries) and the last writes to end.
  const deadlineMarginMs = options.deadlineMarginMs ?? 4 * timeoutMs + 10_000;
  const sampleSize = options.failureSampleSize ?? 20;
  const context = {
    runId,
    kind,
    trigger: invocation.trigger,
    deploymentId,
    lifecycleEventHookExecutionId: invocation.hook?.lifecycleEventHookExecutionId ?? null,
  };

  const counts = emptyCounts();
  const failures: FailureSample[] = [];
  let bulk: BulkPostSummary | undefined;
  let skipped = 0;
  let unrecorded = 0;

  const summarize = (state: RunState, outcome: RunSummary['outcome']): RunSummary => {
    const finished = clock.now();
    const ratio = errorRatio(counts);
    const overRatio = settings.failOnErrorRatio !== undefined && ratio > settings.failOnErrorRatio;
    const summary: RunSummary = {
      ...context,
      dryRun: invocation.request.dryRun,
      state,
      outcome,
      counts: { ...counts },
      errorRatio: ratio,
      skipped,
      unrecorded,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      postsPerSecond:
        bulk && finished > started ? Math.round((bulk.settled * 1000) / (finished - started)) : 0,
      latencyMs: bulk?.latency ?? { p50: 0, p99: 0, max: 0 },
      maxInFlight: bulk?.maxInFlight ?? 0,
      failures,
      hookStatus: overRatio ? 'Failed' : 'Succeeded',
      message: '',
    };
    summary.message = overRatio
      ? `Error ratio ${ratio.toFixed(4)} is over FAIL_ON_ERROR_RATIO ${settings.failOnErrorRatio}.`
      : messageOf(summary);
    return summary;
  };

  let total: number;
  try {
    total = await store.count(run);
  } catch (error) {
    if (!(error instanceof RegistryNotDetectedError)) throw error;
    logger.warn(
      `${text.doing} websocket connections is not supported because websocket connections cannot be detected.`,
      { ...context, outcome: 'not_detected', reason: error.message },
    );
    return summary(summarize('completed', 'not_detected'));
  }
  counts.total = total;

  if (invocation.request.dryRun) {
    logger.info(`Dry run: ${total} websocket connections would be ${text.done.toLowerCase()}.`, {
      ...context,
      total,
    });
    return summary(summarize('completed', total === 0 ? 'none' : 'dry_run'));
  }

  if (total === 0) {
    logger.info(text.none, { ...context, outcome: 'none', total });
    const done = summarize('completed', 'none');
    await runLog.save(runRecordOf(done));
    return summary(done);
  }

  // The lease outlives the Lambda by a minute, so a crashed run never blocks the next for long.
  const leaseMs = Math.min(options.remainingTimeMs(), maxLambdaMs) + 60_000;
  await runLog.acquireLease(runId, kind, started + leaseMs);
  try {
    await runLog.save({ ...context, state: 'running', startedAt: new Date(started).toISOString() });
    logger.info(`${text.doing} ${total} websocket connections...`, { ...context, total });

    const recorder = store.recorder(run);
    const frameFor = frameEncoder(kind, runId, deploymentId, new Date(started).toISOString());
    try {
      bulk = await postToAll<ChannelTarget>({
        targets: store.pages(run),
        post: (target, signal) =>
          options.poster.post(target.connectionId, frameFor(target), signal),
        onResult: (result) => {
          countResult(counts, result.failure);
          if (result.failure && failures.length < sampleSize) {
            failures.push({ connectionId: result.target.connectionId, ...result.failure });
          }
          return recorder.record({ target: result.target, failure: result.failure });
        },
        concurrency,
        timeoutMs,
        maxPostsPerSecond: settings.maxPostsPerSecond,
        shouldStopDispatching: () => options.remainingTimeMs() < deadlineMarginMs,
        onProgress: (progress) => {
          logger.info(
            `${text.done} ${progress.delivered} of ${total} websocket connections so far.`,
            {
              ...context,
              settled: progress.settled,
              delivered: progress.delivered,
              total,
              inFlight: progress.inFlight,
              postsPerSecond: Math.round(
                (progress.settled * 1000) / Math.max(1, progress.elapsedMs),
              ),
            },
          );
        },
        progressIntervalMs: options.progressIntervalMs,
      });
    } finally {
      // Whatever happened, what was answered is written down.
      const written = await recorder.flush();
      skipped = written.skipped;
      unrecorded = written.unrecorded;
    }

    const attempted = bulk.settled;
    // Connections that changed between the count and the read are counted as they were found.
    counts.total = bulk.stoppedEarly ? Math.max(total, attempted) : attempted;
    counts.remaining = counts.total - attempted;
    const state: RunState = bulk.stoppedEarly ? 'incomplete' : 'completed';
    const done = summarize(state, attempted === 0 ? 'none' : outcomeOf(counts));
    logOutcome(logger, kind, done);
    await runLog.save(runRecordOf(done));
    return summary(done);
  } catch (error) {
    const failed = summarize('failed', 'errors');
    failed.hookStatus = 'Failed';
    failed.message = error instanceof Error ? error.message : String(error);
    logger.error(`${text.doing} websocket connections failed: ${failed.message}`, {
      ...context,
      error,
      counts: failed.counts,
    });
    await runLog
      .save({ ...runRecordOf(failed), error: failed.message })
      .catch((saveError: unknown) =>
        logger.error('Could not save the failed run record', { ...context, error: saveError }),
      );
    throw error;
  } finally {
    await runLog.releaseLease(runId).catch((error: unknown) =>
      logger.warn('Could not release the run lease; it expires on its own', {
        ...context,
        error,
      }),
    );
  }

  function summary(done: RunSummary): RunSummary {
    options.metrics?.publish(done);
    return done;
  }
}

function frameEncoder(
  kind: RunKind,
  runId: string,
  deploymentId: string | null,
  at: string,
): (target: ChannelTarget) => Uint8Array {
  if (kind === 'suspend') {
    const bytes = encodeFrame({ type: 'suspend', runId, deploymentId, at });
    return () => bytes;
  }
  const encode = resumeFrameEncoder({ runId, deploymentId, at });
  return (target) => encode(target.suspendedBy);
}

function countResult(counts: Counts, failure: PostFailure | undefined): void {
  if (!failure) counts.delivered++;
  else if (failure.reason === 'gone') counts.gone++;
  else if (failure.reason === 'timedOut') counts.timedOut++;
  else if (failure.reason === 'throttled') counts.throttled++;
  else counts.failed++;
}

function logOutcome(logger: Logger, kind: RunKind, summary: RunSummary): void {
  const text = texts[kind];
  const { counts } = summary;
  const failed = failedCount(counts);
  const fields = {
    runId: summary.runId,
    kind,
    trigger: summary.trigger,
    deploymentId: summary.deploymentId,
    outcome: summary.outcome,
    state: summary.state,
    counts,
    durationMs: summary.durationMs,
    postsPerSecond: summary.postsPerSecond,
    latencyMs: summary.latencyMs,
  };
  const attempted = counts.total - counts.remaining;
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
      `Stopped before the Lambda's deadline: ${counts.remaining} websocket connections were not reached and stay suspended. Run ${kind} again to reach them.`,
      fields,
    );
  }
  if (summary.unrecorded > 0) {
    logger.error(
      `${summary.unrecorded} results could not be written to the registry; those connections stay suspended.`,
      fields,
    );
  }
}

function messageOf(summary: RunSummary): string {
  const { counts } = summary;
  const verb = summary.kind === 'suspend' ? 'suspended' : 'resumed';
  switch (summary.outcome) {
    case 'none':
      return `Nothing to do: no connections to be ${verb}.`;
    case 'dry_run':
      return `Dry run: ${counts.total} connections would be ${verb}; nothing was posted or written.`;
    case 'not_detected':
      return 'The registry has not the expected shape (the suspended index is missing); nothing was done.';
    default: {
      const parts = [
        `${counts.delivered} of ${counts.total} connections ${verb}`,
        `${counts.gone} gone`,
        `${counts.timedOut} timed out`,
        `${counts.throttled} throttled`,
        `${counts.failed} failed`,
      ];
      if (counts.remaining > 0) parts.push(`${counts.remaining} not reached before the deadline`);
      return `${parts.join(', ')}.`;
    }
  }
}

/** What the Runs table keeps of a run. */
export function runRecordOf(summary: RunSummary): Record<string, unknown> & {
  runId: string;
  state: RunState;
} {
  return {
    runId: summary.runId,
    kind: summary.kind,
    trigger: summary.trigger,
    deploymentId: summary.deploymentId,
    lifecycleEventHookExecutionId: summary.lifecycleEventHookExecutionId,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    durationMs: summary.durationMs,
    state: summary.state,
    outcome: summary.outcome,
    counts: summary.counts,
    skipped: summary.skipped,
    unrecorded: summary.unrecorded,
    failures: summary.failures,
    hookStatus: summary.hookStatus,
    message: summary.message,
  };
}
