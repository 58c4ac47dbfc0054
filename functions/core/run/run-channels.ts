import { RegistryNotDetectedError } from '../errors.js';
import type { ChannelTarget, RunState } from '../ports.js';
import { postToAll } from '../posting/bulk-post.js';
import { frameEncoderFor, resumeByOf } from '../protocol/frames.js';
import { closeWindowAfter, enterWindow, leaveWindowAfterUndo } from './deployment-window.js';
import { holdingLease, repeatedHandOver } from './lease.js';
import { attemptedCount, outcomeOf } from './outcome.js';
import { beginRun, countTotal, finish, isoAt, type Run, type RunChannelsOptions } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';
import { logRunOutcome, logRunProgress, logRunStart, runTexts } from './texts.js';

// One suspend or resume run, edeliver's SuspendChannels / ResumeChannels, read top to bottom:
// take the lease (waiting a bounded time for a run of the other kind to end), count the
// targets, post the control frame to each through the bulk mechanism while recording each
// result, decide the outcome, keep the run record, report the summary. Pure logic: every
// effect goes through a port.

export { defaultRunId, type RunChannelsOptions, type RunSettings } from './state.js';

/** Runs one suspend or resume. Throws PreconditionFailedError (and the run record says failed). */
export async function runChannels(options: RunChannelsOptions): Promise<RunSummary> {
  const run = beginRun(options);
  const { logger, invocation } = options;

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

  if (invocation.handOver) {
    // Lambda delivers an asynchronous event at least once: an invocation goes on only with a run
    // that was handed over to it (or that another delivery of the same hand-over now runs, which
    // the lease then refuses).
    const state = await options.records.stateOf(run.identity.runId);
    if (state !== 'handed_over' && state !== 'running') return repeatedHandOver(run);
  }

  // The deployment window: a suspend opens it; a resume whose siblings still shift ends here.
  const leftToSiblings = await enterWindow(run);
  if (leftToSiblings) return leftToSiblings;

  const summary = await holdingLease(
    run,
    async () => {
      const summary = await execute(run);
      if (summary.hookStatus !== 'Failed') return summary;
      summary.undo = await undoSuspend(run);
      if (summary.undo) {
        const { delivered, total } = summary.undo.counts;
        summary.message += ` Resumed ${delivered} of ${total} suspended connections before reporting Failed.`;
      }
      return summary;
    },
    () => undoSuspend(run),
  );
  await closeWindowAfter(run, summary);
  return summary;
}

/** Count, post, record, decide: the run's work, under the lease. */
async function execute(run: Run): Promise<RunSummary> {
  const { logger, records, kind } = run.options;
  const total = await countTargets(run);
  if (total === undefined) return finish(run, 'completed', 'not_detected');
  // An invocation the run was handed over to counts what is left; those before counted the rest.
  run.counted = run.tally.settled + total;
  if (total === 0 && run.handOvers === 0) {
    logger.info(runTexts[kind].none, { ...run.fields, outcome: 'none', total });
    const summary = finish(run, 'completed', 'none');
    await records.save(runRecordOf(summary));
    return summary;
  }
  await records.save({ ...run.fields, state: 'running', startedAt: isoAt(run.identity) });
  logRunStart(logger, run.fields, total);
  if (total > 0) await postFrames(run, total);
  const summary = await handOverOrStop(run, decide(run));
  // An invocation that handed over saved its record before the next one could start.
  if (summary.state === 'handed_over') return summary;
  logRunOutcome(logger, summary);
  await records.save(runRecordOf(summary));
  return summary;
}

/**
 * A run that neared its Lambda's deadline with connections left goes on in a new invocation of
 * its own function, with its run id and its counts so far, as long as the hook's hour allows
 * (it must report within an hour). A run that cannot go on leaves clients it could have
 * reached: a hook says Failed then (a suspend undoes itself first).
 */
async function handOverOrStop(run: Run, summary: RunSummary): Promise<RunSummary> {
  if (summary.state !== 'incomplete') return summary;
  const { handOver, clock, records, logger } = run.options;
  const withinMs = run.options.handOverWithinMs ?? 50 * 60_000;
  const left = summary.counts.remaining;
  // An invocation that reached nobody (its Lambda's time is shorter than the margin) would hand
  // over to invocations that reach nobody either: it stops instead.
  const progressed = (run.posted?.settled ?? 0) > 0;
  if (handOver && progressed && clock.now() - run.identity.startedAt < withinMs) {
    const handedOver = finish(run, 'handed_over', summary.outcome);
    const invocationNumber = run.handOvers + 1;
    handedOver.message = `Invocation ${invocationNumber} neared its Lambda's deadline: ${left} connections to go, handed over to invocation ${invocationNumber + 1}.`;
    await records.save(runRecordOf(handedOver));
    try {
      const { total: _total, remaining: _remaining, ...buckets } = run.tally.counts;
      await handOver({
        runId: run.identity.runId,
        startedAt: run.identity.startedAt,
        handOvers: run.handOvers + 1,
        countsSoFar: { ...buckets, total: 0, remaining: 0 },
        owner: null,
      });
      run.handedOver = true;
      logger.info(handedOver.message, {
        ...run.fields,
        handOvers: run.handOvers,
        counts: handedOver.counts,
      });
      return handedOver;
    } catch (error) {
      logger.error('Could not hand the run over to a new invocation; it stops here.', {
        ...run.fields,
        error,
      });
    }
  }
  if (run.fields.trigger === 'codedeploy') {
    summary.hookStatus = 'Failed';
    summary.message += ` ${left} connections were not reached in time; the hook reports Failed.`;
  }
  return summary;
}

/**
 * A failed BeforeAllowTraffic means CodeDeploy never calls AfterAllowTraffic: before a suspend
 * reports Failed, it resumes every suspended connection (its own, and any a run before it left
 * behind), still under the lease, as a resume run of its own (`<runId>-undo`). If that fails
 * too, the connections stay suspended for the next resume, and the log says so.
 */
async function undoSuspend(run: Run): Promise<RunSummary['undo']> {
  const { kind, undoStore, logger } = run.options;
  if (kind !== 'suspend' || !undoStore) return undefined;
  const undo = beginRun({
    ...run.options,
    kind: 'resume',
    store: undoStore,
    undoStore: undefined,
    newRunId: () => `${run.identity.runId}-undo`,
  });
  logger.warn(
    'The suspend failed: resuming the connections it suspended before reporting Failed.',
    {
      ...run.fields,
      undoRunId: undo.identity.runId,
    },
  );
  try {
    const summary = await execute(undo);
    await leaveWindowAfterUndo(run, summary.state === 'completed');
    return { runId: summary.runId, outcome: summary.outcome, counts: summary.counts };
  } catch (error) {
    logger.error(
      'Could not resume the connections this suspend suspended; they stay suspended until the next resume.',
      { ...run.fields, undoRunId: undo.identity.runId, error },
    );
    await leaveWindowAfterUndo(run, false);
    return { runId: undo.identity.runId, outcome: 'errors', counts: undo.tally.counts };
  }
}

/** The number of targets; undefined when the registry lacks its index (edeliver's not_detected). */
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
    const untaken = run.posted.untaken;
    if (untaken.length > 0) await store.giveBack?.(run.identity, run.session, untaken);
  } finally {
    const written = await recorder.flush();
    run.written = { skipped: written.skipped };
  }
}

/** The run's state and outcome from what it counted. */
function decide(run: Run): RunSummary {
  const stoppedEarly = run.posted?.stoppedEarly ?? false;
  countTotal(run, stoppedEarly);
  const { counts } = run.tally;
  const state: RunState = stoppedEarly ? 'incomplete' : 'completed';
  return finish(run, state, attemptedCount(counts) === 0 ? 'none' : outcomeOf(counts));
}
