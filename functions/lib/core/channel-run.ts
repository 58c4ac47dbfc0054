import { randomUUID } from 'node:crypto';
import { RegistryNotDetectedError } from '../errors.js';
import { type BulkPostSummary, postToAll } from './bulk-post.js';
import type { Invocation } from './events.js';
import { frameEncoderFor } from './frames.js';
import { outcomeOf } from './outcome.js';
import type {
  ChannelStore,
  ChannelTarget,
  Clock,
  Logger,
  MessagePoster,
  RunIdentity,
  RunKind,
  RunLease,
  RunRecords,
  RunState,
} from './ports.js';
import { type RunFields, type RunSummary, runRecordOf, summarizeRun } from './run-summary.js';
import { RunTally } from './run-tally.js';
import { logRunOutcome, logRunProgress, logRunStart, runTexts } from './run-texts.js';

// One suspend or resume run, the seed's SuspendChannels / ResumeChannels, read top to bottom:
// count the targets, take the lease, post the control frame to each through the bulk mechanism
// while recording each result, decide the outcome, keep the run record, report the summary.
// Pure logic: every effect goes through a port.

export interface RunSettings {
  concurrency: number;
  timeoutMs: number;
  maxPostsPerSecond: number | undefined;
  failOnErrorRatio: number | undefined;
}

export interface RunChannelsOptions {
  kind: RunKind;
  invocation: Invocation;
  settings: RunSettings;
  store: ChannelStore;
  poster: MessagePoster;
  lease: RunLease;
  records: RunRecords;
  logger: Logger;
  clock: Clock;
  /** The Lambda's remaining time; the run stops dispatching `deadlineMarginMs` before it ends. */
  remainingTimeMs: () => number;
  /** Aborted when the handler must stop (middy's early timeout): no new post is dispatched. */
  signal?: AbortSignal;
  deadlineMarginMs?: number;
  failureSampleSize?: number;
  progressIntervalMs?: number;
  newRunId?: (kind: RunKind, now: number) => string;
}

const maxLambdaMs = 15 * 60 * 1000;

export const defaultRunId = (kind: RunKind, now: number) =>
  `${kind}-${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;

/** One run as it goes: who it is, what it was asked, what it has counted. */
interface Run {
  options: RunChannelsOptions;
  identity: RunIdentity;
  fields: RunFields;
  tally: RunTally;
  timeoutMs: number;
  concurrency: number;
  deadlineMarginMs: number;
  posted?: BulkPostSummary;
  written: { skipped: number; unrecorded: number };
}

/** Runs one suspend or resume. Throws PreconditionFailedError (and the run record says failed). */
export async function runChannels(options: RunChannelsOptions): Promise<RunSummary> {
  const run = beginRun(options);
  const { logger, records, invocation } = options;

  const total = await countTargets(run);
  if (total === undefined) return finish(run, 'completed', 'not_detected');
  run.tally.counts.total = total;

  if (invocation.request.dryRun) {
    logger.info(
      `Dry run: ${total} websocket connections would be ${runTexts[options.kind].done.toLowerCase()}.`,
      { ...run.fields, total },
    );
    return finish(run, 'completed', total === 0 ? 'none' : 'dry_run');
  }
  if (total === 0) {
    logger.info(runTexts[options.kind].none, { ...run.fields, outcome: 'none', total });
    const summary = finish(run, 'completed', 'none');
    await records.save(runRecordOf(summary));
    return summary;
  }

  return holdingLease(run, async () => {
    await records.save({ ...run.fields, state: 'running', startedAt: isoAt(run.identity) });
    logRunStart(logger, run.fields, total);
    await postFrames(run, total);
    const summary = decide(run, total);
    logRunOutcome(logger, summary);
    await records.save(runRecordOf(summary));
    return summary;
  });
}

function beginRun(options: RunChannelsOptions): Run {
  const { kind, invocation, settings } = options;
  const startedAt = options.clock.now();
  const runId = (options.newRunId ?? defaultRunId)(kind, startedAt);
  const timeoutMs = invocation.request.timeoutMs ?? settings.timeoutMs;
  return {
    options,
    identity: { runId, startedAt },
    fields: {
      runId,
      kind,
      trigger: invocation.trigger,
      deploymentId: invocation.hook?.deploymentId ?? null,
      lifecycleEventHookExecutionId: invocation.hook?.lifecycleEventHookExecutionId ?? null,
    },
    tally: new RunTally(options.failureSampleSize ?? 20),
    timeoutMs,
    concurrency: invocation.request.concurrency ?? settings.concurrency,
    // Enough for the posts in flight (with their throttling retries) and the last writes to end.
    deadlineMarginMs: options.deadlineMarginMs ?? 4 * timeoutMs + 10_000,
    written: { skipped: 0, unrecorded: 0 },
  };
}

/** The number of targets; undefined when the registry lacks its index (the seed's not_detected). */
async function countTargets(run: Run): Promise<number | undefined> {
  try {
    return await run.options.store.count(run.identity);
  } catch (error) {
    if (!(error instanceof RegistryNotDetectedError)) throw error;
    run.options.logger.warn(
      `${runTexts[run.options.kind].doing} websocket connections is not supported because websocket connections cannot be detected.`,
      { ...run.fields, outcome: 'not_detected', reason: error.message },
    );
    return undefined;
  }
}

/**
 * Holds the lease while `work` runs. On any failure the run record says failed and the error
 * goes on to the caller (a hook reports Failed); the lease is released on every path.
 */
async function holdingLease(run: Run, work: () => Promise<RunSummary>): Promise<RunSummary> {
  const { lease, records, logger, kind } = run.options;
  const { runId, startedAt } = run.identity;
  // The lease outlives the Lambda by a minute, so a crashed run never blocks the next for long.
  const leaseMs = Math.min(run.options.remainingTimeMs(), maxLambdaMs) + 60_000;
  await lease.acquire(runId, kind, startedAt + leaseMs);
  try {
    return await work();
  } catch (error) {
    const failed = finish(run, 'failed', 'errors');
    failed.hookStatus = 'Failed';
    failed.message = error instanceof Error ? error.message : String(error);
    logger.error(`${runTexts[kind].doing} websocket connections failed: ${failed.message}`, {
      ...run.fields,
      error,
      counts: failed.counts,
    });
    await records
      .save({ ...runRecordOf(failed), error: failed.message })
      .catch((saveError: unknown) =>
        logger.error('Could not save the failed run record', { ...run.fields, error: saveError }),
      );
    throw error;
  } finally {
    await lease.release(runId).catch((error: unknown) =>
      logger.warn('Could not release the run lease; it expires on its own', {
        ...run.fields,
        error,
      }),
    );
  }
}

/** Posts the frame to every target and records each result; what was answered is written down. */
async function postFrames(run: Run, total: number): Promise<void> {
  const { store, poster, logger, settings, signal } = run.options;
  const recorder = store.recorder(run.identity);
  const frameFor = frameEncoderFor(run.options.kind, {
    runId: run.identity.runId,
    deploymentId: run.fields.deploymentId,
    at: isoAt(run.identity),
  });
  try {
    run.posted = await postToAll<ChannelTarget>({
      targets: store.pages(run.identity),
      post: (target, postSignal) => poster.post(target.connectionId, frameFor(target), postSignal),
      onResult: ({ target, failure }) => {
        run.tally.add(target.connectionId, failure);
        return recorder.record({ target, failure });
      },
      concurrency: run.concurrency,
      timeoutMs: run.timeoutMs,
      maxPostsPerSecond: settings.maxPostsPerSecond,
      shouldStopDispatching: () =>
        signal?.aborted === true || run.options.remainingTimeMs() < run.deadlineMarginMs,
      onProgress: (progress) => logRunProgress(logger, run.fields, progress, total),
      progressIntervalMs: run.options.progressIntervalMs,
    });
  } finally {
    const written = await recorder.flush();
    run.written = { skipped: written.skipped, unrecorded: written.unrecorded };
  }
}

/** The run's state and outcome from what it counted. */
function decide(run: Run, total: number): RunSummary {
  const posted = run.posted;
  const attempted = posted?.settled ?? 0;
  const stoppedEarly = posted?.stoppedEarly ?? false;
  const { counts } = run.tally;
  // Connections that changed between the count and the read are counted as they were found.
  counts.total = stoppedEarly ? Math.max(total, attempted) : attempted;
  counts.remaining = counts.total - attempted;
  const state: RunState = stoppedEarly ? 'incomplete' : 'completed';
  return finish(run, state, attempted === 0 ? 'none' : outcomeOf(counts));
}

function finish(run: Run, state: RunState, outcome: RunSummary['outcome']): RunSummary {
  return summarizeRun({
    fields: run.fields,
    dryRun: run.options.invocation.request.dryRun,
    state,
    outcome,
    tally: run.tally,
    written: run.written,
    posted: run.posted,
    startedAt: run.identity.startedAt,
    finishedAt: run.options.clock.now(),
    failOnErrorRatio: run.options.settings.failOnErrorRatio,
  });
}

const isoAt = (identity: RunIdentity) => new Date(identity.startedAt).toISOString();
