import { RegistryNotDetectedError } from '../errors.js';
import type { ChannelTarget, RunState } from '../ports.js';
import { postToAll } from '../posting/bulk-post.js';
import { frameEncoderFor, resumeByOf } from '../protocol/frames.js';
import { handOverOrStop } from './hand-over.js';
import { attemptedCount, outcomeOf } from './outcome.js';
import { createProgressWriter, type ProgressWriter, type RunPhase } from './progress.js';
import { countTotal, finish, isoAt, type Run } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';
import { logRunOutcome, logRunProgress, logRunStart, runTexts } from './texts.js';

// The work of a run under its lease: count the targets, post the frame to each while its result
// is recorded, decide the outcome, keep the record (or hand the run over near the deadline).

/** Count, post, record, decide: the run's work, under the lease. */
export async function execute(run: Run): Promise<RunSummary> {
  const { logger, records, kind } = run.options;
  const total = await countTargets(run);
  if (total === undefined) {
    // Recorded like every run: an operator following it (cli/) reads how it ended there.
    const summary = finish(run, 'completed', 'not_detected');
    await records.save(runRecordOf(summary));
    return summary;
  }
  // An invocation the run was handed over to counts what is left; those before counted the rest.
  run.counted = run.tally.settled + total;
  if (total === 0 && run.handOvers === 0) {
    logger.info(runTexts[kind].none, { ...run.fields, outcome: 'none', total });
    const summary = finish(run, 'completed', 'none');
    await records.save(runRecordOf(summary));
    return summary;
  }
  const progress = progressOf(run);
  await records.save({
    ...run.fields,
    state: 'running',
    startedAt: isoAt(run.identity),
    progress: {
      ...progress.snapshot(),
      updatedAt: new Date(run.options.clock.now()).toISOString(),
    },
  });
  logRunStart(logger, run.fields, total);
  try {
    if (total > 0) await postFrames(run, total, progress);
  } finally {
    const writes = await progress.writer.stop();
    if (writes.failed > 0) run.progressWriteFailures = writes.failed;
  }
  const summary = await handOverOrStop(run, decide(run));
  // An invocation that handed over saved its record before the next one could start.
  if (summary.state === 'handed_over') return summary;
  logRunOutcome(logger, summary);
  await records.save(runRecordOf(summary));
  return summary;
}

/** The number of targets; undefined when the registry lacks its index (edeliver's not_detected). */
export async function countTargets(run: Run): Promise<number | undefined> {
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

interface RunProgressState {
  writer: ProgressWriter;
  snapshot(): ReturnType<typeof progressSnapshot>;
  phase: RunPhase;
  read: number;
}

/** The run's progress as its record shows it while it runs, and the writer that keeps it there. */
function progressOf(run: Run): RunProgressState {
  const state: RunProgressState = {
    phase: 'posting',
    read: 0,
    snapshot: () => progressSnapshot(run, state),
    writer: createProgressWriter({
      runId: run.identity.runId,
      records: run.options.records,
      clock: run.options.clock,
      logger: run.options.logger,
      snapshot: () => progressSnapshot(run, state),
      intervalMs: run.options.progressWriteIntervalMs,
    }),
  };
  return state;
}

function progressSnapshot(run: Run, state: { phase: RunPhase; read: number }) {
  return {
    phase: state.phase,
    total: run.counted ?? 0,
    read: state.read,
    counts: { ...run.tally.counts, total: run.counted ?? 0 },
    handOvers: run.handOvers,
  };
}

/** The store's pages, each counted as read for the progress. */
async function* countedPages(
  pages: AsyncIterable<readonly ChannelTarget[]>,
  progress: RunProgressState,
): AsyncIterable<readonly ChannelTarget[]> {
  for await (const page of pages) {
    progress.read += page.length;
    yield page;
  }
}

/** Posts the frame to every target and records each result; what was answered is written down. */
async function postFrames(run: Run, total: number, progress: RunProgressState): Promise<void> {
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
      targets: countedPages(store.pages(run.identity, run.session), progress),
      post: (target, postSignal) => poster.post(target.connectionId, frameFor(target), postSignal),
      onResult: ({ target, failure }) =>
        recorder.record({ target, failure }, (fate) => {
          run.tally.add(target.connectionId, failure, fate);
          progress.writer.changed();
        }),
      concurrency: run.concurrency,
      timeoutMs: run.timeoutMs,
      maxPostsPerSecond: settings.maxPostsPerSecond,
      shouldStopDispatching: () =>
        signal?.aborted === true || run.options.remainingTimeMs() < run.deadlineMarginMs,
      onProgress: (progress) => logRunProgress(logger, run.fields, progress, total),
      progressIntervalMs: run.options.progressIntervalMs,
      // Also when the run fails (a refusal, a failed read): what it marked but never told goes
      // back as it was.
      onUntaken: async (untaken) => {
        await store.giveBack?.(run.identity, run.session, untaken);
      },
    });
  } finally {
    progress.phase = 'finishing';
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
