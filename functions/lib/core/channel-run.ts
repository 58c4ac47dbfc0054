import { RegistryNotDetectedError } from '../errors.js';
import { postToAll } from './bulk-post.js';
import { frameEncoderFor, resumeByOf } from './frames.js';
import { attemptedCount, outcomeOf } from './outcome.js';
import type { ChannelTarget, RunState } from './ports.js';
import { holdingLease } from './run-lease.js';
import { beginRun, finish, isoAt, type Run, type RunChannelsOptions } from './run-state.js';
import { type RunSummary, runRecordOf } from './run-summary.js';
import { logRunOutcome, logRunProgress, logRunStart, runTexts } from './run-texts.js';

// One suspend or resume run, the seed's SuspendChannels / ResumeChannels, read top to bottom:
// take the lease (waiting a bounded time for a run of the other kind to end), count the
// targets, post the control frame to each through the bulk mechanism while recording each
// result, decide the outcome, keep the run record, report the summary. Pure logic: every
// effect goes through a port.

export { defaultRunId, type RunChannelsOptions, type RunSettings } from './run-state.js';

/** Runs one suspend or resume. Throws PreconditionFailedError (and the run record says failed). */
export async function runChannels(options: RunChannelsOptions): Promise<RunSummary> {
  const run = beginRun(options);
  const { logger, records, invocation } = options;

  if (invocation.request.dryRun) {
    // Reads only: no lease, nothing posted or written.
    const total = await countTargets(run);
    if (total === undefined) return finish(run, 'completed', 'not_detected');
    logger.info(
      `Dry run: ${total} websocket connections would be ${runTexts[options.kind].done.toLowerCase()}.`,
      { ...run.fields, total },
    );
    run.tally.counts.total = total;
    return finish(run, 'completed', total === 0 ? 'none' : 'dry_run');
  }

  return holdingLease(run, async () => {
    const total = await countTargets(run);
    if (total === undefined) return finish(run, 'completed', 'not_detected');
    run.counted = total;
    if (total === 0) {
      logger.info(runTexts[options.kind].none, { ...run.fields, outcome: 'none', total });
      const summary = finish(run, 'completed', 'none');
      await records.save(runRecordOf(summary));
      return summary;
    }
    await records.save({ ...run.fields, state: 'running', startedAt: isoAt(run.identity) });
    logRunStart(logger, run.fields, total);
    await postFrames(run, total);
    const summary = decide(run);
    logRunOutcome(logger, summary);
    await records.save(runRecordOf(summary));
    return summary;
  });
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

/** Posts the frame to every target and records each result; what was answered is written down. */
async function postFrames(run: Run, total: number): Promise<void> {
  const { store, poster, logger, settings, signal } = run.options;
  const recorder = store.recorder(run.identity, run.session);
  const frameFor = frameEncoderFor(run.options.kind, {
    runId: run.identity.runId,
    deploymentId: run.fields.deploymentId,
    at: isoAt(run.identity),
    resumeBy: resumeByOf(run.identity.startedAt, settings.resumeExpectedWithinMs),
  });
  try {
    run.posted = await postToAll<ChannelTarget>({
      targets: store.pages(run.identity, run.session),
      post: (target, postSignal) => poster.post(target.connectionId, frameFor(target), postSignal),
      onResult: ({ target, failure }) =>
        recorder.record({ target, failure }, (fate) =>
          run.tally.add(target.connectionId, failure, fate),
        ),
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
    run.written = { skipped: written.skipped };
  }
}

/** The run's state and outcome from what it counted. */
function decide(run: Run): RunSummary {
  const stoppedEarly = run.posted?.stoppedEarly ?? false;
  const { counts } = run.tally;
  const settled = run.tally.settled;
  // Every connection read is in one bucket. A run that stopped early also counts the ones it
  // never reached; connections that changed between the count and the read are counted as found.
  counts.total = stoppedEarly ? Math.max(run.counted ?? 0, settled) : settled;
  counts.remaining = counts.total - settled;
  const state: RunState = stoppedEarly ? 'incomplete' : 'completed';
  return finish(run, state, attemptedCount(counts) === 0 ? 'none' : outcomeOf(counts));
}
