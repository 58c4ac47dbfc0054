import { sleep } from '../backoff.js';
import { RunInProgressError } from '../errors.js';
import { countTotal, finish, maxLambdaMs, type Run } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';
import { runTexts } from './texts.js';

// The lease that keeps two runs from overlapping, as a run holds it: taken before anything is
// read, waited for a bounded time, released on every path; a failure on the way is written
// into the run record before it goes on to the caller.

/**
 * Holds the lease while `work` runs. On any failure the run record says failed, `onFailure`
 * runs (still under the lease), and the error goes on to the caller (a hook reports Failed);
 * the lease is released on every path.
 */
export async function holdingLease(
  run: Run,
  work: () => Promise<RunSummary>,
  onFailure: () => Promise<unknown> = async () => undefined,
): Promise<RunSummary> {
  const { records, logger, kind } = run.options;
  if (!(await acquireLease(run))) return repeatedHandOver(run);
  try {
    return await work();
  } catch (error) {
    countTotal(run, true);
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
    await onFailure();
    throw error;
  } finally {
    // An invocation that handed over leaves the lease to the one its run was handed over to.
    if (!run.handedOver) await releaseLease(run);
  }
}

async function releaseLease(run: Run): Promise<void> {
  const { lease, logger } = run.options;
  await lease.release(run.identity.runId).catch((error: unknown) =>
    logger.warn('Could not release the run lease; it expires on its own', {
      ...run.fields,
      error,
    }),
  );
}

/**
 * Takes the lease. While another run holds it (a suspend and a resume started together, or a
 * console run), waits with backoff for it to end, a bounded time, then gives up with its error.
 * A holder that died is found out when its lease expires, and its record is closed.
 */
export async function acquireLease(run: Run): Promise<boolean> {
  const { lease, records, logger, kind, clock } = run.options;
  const { runId } = run.identity;
  const margin = run.deadlineMarginMs;
  const giveUpAt =
    clock.now() +
    Math.min(run.options.leaseWaitMs ?? 5 * 60_000, run.options.remainingTimeMs() - margin);
  for (let attempt = 0; attempt < 1_000; attempt++) {
    // The lease outlives the Lambda by a minute, so a crashed run never blocks the next for long.
    const leaseMs = Math.min(run.options.remainingTimeMs(), maxLambdaMs) + 60_000;
    try {
      const expired = await lease.acquire(
        runId,
        kind,
        run.options.clock.now() + leaseMs,
        run.handOvers,
      );
      if (expired) {
        const reason = `Its Lambda stopped before the run ended; its lease expired at ${new Date(expired.leaseUntil).toISOString()} and ${runId} took over.`;
        logger.warn(`Run ${expired.runId} died while running.`, { ...run.fields, expired });
        await records.abandon(expired.runId, reason);
      }
      return true;
    } catch (error) {
      // A hand-over refused: another delivery of its event holds (or held) the run's lease.
      if (error instanceof RunInProgressError && run.handOvers > 0) return false;
      const wait = Math.min(5_000, 250 * 2 ** attempt);
      if (!(error instanceof RunInProgressError) || clock.now() + wait > giveUpAt) throw error;
      if (attempt === 0) {
        logger.info('Another run holds the lease; waiting for it to end.', {
          ...run.fields,
          holder: error.message,
        });
      }
      await sleep(wait);
    }
  }
  return false;
}

/**
 * A hand-over event whose run has finished, or that another delivery of the same event runs: it
 * does nothing (Lambda delivers an asynchronous event at least once).
 */
export function repeatedHandOver(run: Run): RunSummary {
  const summary = finish(run, 'duplicate', 'none');
  summary.message = `Invocation ${run.handOvers + 1} of run ${run.identity.runId} has nothing to do: the run has finished, or another delivery of the same hand-over runs it.`;
  run.options.logger.info(summary.message, { ...run.fields, handOvers: run.handOvers });
  return summary;
}
