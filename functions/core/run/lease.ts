import { sleep } from '../backoff.js';
import { RunInProgressError } from '../errors.js';
import { countTotal, finish, type Run } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';
import { runTexts } from './texts.js';

// The lease that keeps two runs from overlapping, as a run holds it: taken before anything is
// read, waited for a bounded time, kept alive by a heartbeat (a dead holder's lease is free soon
// after its last one), kept for the next invocation by a hand-over, released on every other path;
// a failure on the way is written into the run record before it goes on to the caller.

/** Without a heartbeat the lease is free this long after the last one. */
const defaultLeaseTtlMs = 60_000;
const defaultLeaseHeartbeatMs = 15_000;

/**
 * Holds the lease while `work` runs. On any failure the run record says failed, `onFailure`
 * runs (still under the lease) and may answer instead of the error (a failed suspend's undo that
 * was handed over); otherwise the error goes on to the caller (a hook reports Failed). The lease
 * is released on every path but a hand-over. An invocation a run was handed over to that cannot
 * take the lease back fails the run the same way (a suspend undoes itself).
 */
export async function holdingLease(
  run: Run,
  work: () => Promise<RunSummary>,
  onFailure: (error: unknown) => Promise<RunSummary | undefined> = async () => undefined,
): Promise<RunSummary> {
  const { records, logger, kind } = run.options;
  // A first invocation that cannot take the lease has done nothing: its error is the answer.
  if (run.handOvers === 0 && !(await acquireLease(run))) return repeatedHandOver(run);
  let held = run.handOvers === 0;
  try {
    if (!held) {
      if (!(await acquireLease(run))) return repeatedHandOver(run);
      held = true;
    }
    run.leaseHeartbeat = startHeartbeat(run);
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
    const answered = await onFailure(error);
    if (answered) return answered;
    throw error;
  } finally {
    run.leaseHeartbeat?.stop();
    // An invocation that handed over leaves the lease to the one its run was handed over to.
    if (held && !run.handedOver) await releaseLease(run);
  }
}

/** Renews the lease every `leaseHeartbeatMs` while the run holds it. */
function startHeartbeat(run: Run): { stop(): void } {
  const { lease, clock, logger } = run.options;
  const ttlMs = run.options.leaseTtlMs ?? defaultLeaseTtlMs;
  let lost = false;
  const timer = setInterval(() => {
    lease.extend(run.identity.runId, clock.now() + ttlMs).then(
      (kept) => {
        if (kept || lost) return;
        lost = true;
        logger.error(
          'The run lost its lease (another run took it over after a missed heartbeat); it goes on, but another run may overlap it.',
          { ...run.fields },
        );
      },
      (error: unknown) =>
        logger.warn('Could not renew the run lease; the next heartbeat tries again.', {
          ...run.fields,
          error,
        }),
    );
  }, run.options.leaseHeartbeatMs ?? defaultLeaseHeartbeatMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
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
 * A holder that died is found out when its lease expires, and its record is closed. False only
 * for a repeated hand-over: its own run holds the lease already.
 */
export async function acquireLease(run: Run): Promise<boolean> {
  const { lease, records, logger, kind, clock } = run.options;
  const { runId } = run.identity;
  const margin = run.deadlineMarginMs;
  const giveUpAt =
    clock.now() +
    Math.min(run.options.leaseWaitMs ?? 5 * 60_000, run.options.remainingTimeMs() - margin);
  const ttlMs = run.options.leaseTtlMs ?? defaultLeaseTtlMs;
  for (let attempt = 0; attempt < 1_000; attempt++) {
    try {
      const expired = await lease.acquire(runId, kind, clock.now() + ttlMs, run.handOvers);
      if (expired) {
        const reason = `Its Lambda stopped before the run ended; its lease expired at ${new Date(expired.leaseUntil).toISOString()} and ${runId} took over.`;
        logger.warn(`Run ${expired.runId} died while running.`, { ...run.fields, expired });
        await records.abandon(expired.runId, reason);
      }
      return true;
    } catch (error) {
      if (!(error instanceof RunInProgressError)) throw error;
      // A repeated hand-over event: its own run holds the lease (another delivery runs it).
      if (run.handOvers > 0 && error.holder === runId) return false;
      const wait = Math.min(5_000, 250 * 2 ** attempt);
      if (clock.now() + wait > giveUpAt) throw error;
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
