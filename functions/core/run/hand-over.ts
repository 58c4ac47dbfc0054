import type { HandOverKind } from '../invocation/types.js';
import { finish, handOverGraceMs, type Run } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';

/** What kind of run the next invocation goes on with: a failed suspend's undo is an undo. */
function kindOf(run: Run): HandOverKind {
  return run.options.undoOf === undefined ? run.options.kind : 'undo';
}

/**
 * A run that neared its Lambda's deadline with connections left goes on in a new invocation of
 * its own function, with its run id, its kind and its counts so far, as long as the hook's hour
 * allows (it must report within an hour). The lease is kept for that invocation (a waiting run
 * must not take it in between). A run that cannot go on leaves clients it could have reached: a
 * hook says Failed then (a suspend undoes itself first).
 */
export async function handOverOrStop(run: Run, summary: RunSummary): Promise<RunSummary> {
  if (summary.state !== 'incomplete') return summary;
  const { handOver, clock, records, logger, lease } = run.options;
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
      // The heartbeat would shorten the lease again: the grace is what the next invocation has.
      run.leaseHeartbeat?.stop();
      const holder = run.options.leaseHolder ?? run.identity.runId;
      const kept = await lease.extend(holder, clock.now() + handOverGraceMs, {
        runId: run.identity.runId,
        handOvers: run.handOvers,
      });
      if (!kept)
        logger.warn('The run no longer held its lease when it handed over.', { ...run.fields });
      const { total: _total, remaining: _remaining, ...buckets } = run.tally.counts;
      const kind = kindOf(run);
      await handOver({
        runId: run.identity.runId,
        kind,
        ...(kind === 'undo' ? { undoOf: run.options.undoOf } : {}),
        ...(kind === 'suspend' ? { windowId: run.identity.windowId } : {}),
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
