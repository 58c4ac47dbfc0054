import { leaveWindowAfterUndo } from './deployment-window.js';
import { execute } from './execute.js';
import { beginRun, type Run, type RunChannelsOptions } from './state.js';
import type { RunSummary } from './summary.js';

// A failed BeforeAllowTraffic means CodeDeploy never calls AfterAllowTraffic: before a suspend
// reports Failed, it resumes exactly the connections it marked (read back with a consistent read:
// the suspended index lags its writes), still under its lease, as a resume run of its own
// (`<runId>-undo`). An undo that nears its Lambda's deadline hands over as an undo (the suspend
// function goes on with it, never as a suspend); the invocation that ends it reports Failed. If it
// fails, the connections stay suspended for the next resume, and the log says so.

export interface UndoResult {
  undo: NonNullable<RunSummary['undo']>;
  /** The undo went on in a new invocation: this one reports nothing. */
  handedOver: boolean;
}

/** The undo of `suspendRunId` in this invocation, under the lease of `leaseHolder`. */
function beginUndo(
  options: RunChannelsOptions,
  suspendRunId: string,
  as?: { startedAt: number; leaseHolder: string },
): Run | undefined {
  const store = options.undoStoreFor?.(suspendRunId);
  if (!store) return undefined;
  const undoOptions: RunChannelsOptions = {
    ...options,
    kind: 'resume',
    store,
    undoStoreFor: undefined,
    undoOf: suspendRunId,
    leaseHolder: as?.leaseHolder,
  };
  return as
    ? beginRun(undoOptions, { runId: `${suspendRunId}-undo`, startedAt: as.startedAt })
    : beginRun(undoOptions);
}

/** Runs the undo's work and leaves the deployment window; never throws. */
async function runUndo(undo: Run): Promise<UndoResult> {
  const { logger } = undo.options;
  try {
    const summary = await execute(undo);
    const handedOver = summary.state === 'handed_over';
    if (!handedOver) await leaveWindowAfterUndo(undo, summary.state === 'completed');
    return {
      undo: { runId: summary.runId, outcome: summary.outcome, counts: summary.counts },
      handedOver,
    };
  } catch (error) {
    logger.error(
      'Could not resume the connections this suspend suspended; they stay suspended until the next resume.',
      { ...undo.fields, error },
    );
    await leaveWindowAfterUndo(undo, false);
    return {
      undo: { runId: undo.identity.runId, outcome: 'errors', counts: undo.tally.counts },
      handedOver: false,
    };
  }
}

/** In the failed suspend's own invocation: resumes what it marked. Undefined for a resume. */
export async function undoSuspend(run: Run): Promise<UndoResult | undefined> {
  if (run.options.kind !== 'suspend') return undefined;
  const undo = beginUndo(run.options, run.identity.runId, {
    startedAt: run.identity.startedAt,
    leaseHolder: run.options.leaseHolder ?? run.identity.runId,
  });
  if (!undo) return undefined;
  run.options.logger.warn(
    'The suspend failed: resuming the connections it suspended before reporting Failed.',
    { ...run.fields, undoRunId: undo.identity.runId },
  );
  const result = await runUndo(undo);
  // The lease goes with the undo to its next invocation.
  if (result.handedOver) run.handedOver = true;
  return result;
}

/** What a suspend whose undo ended says: Failed, with what the undo did and what it left. */
export function undoneMessage(suspendRunId: string, undo: UndoResult['undo']): string {
  const { delivered, total, remaining } = undo.counts;
  const left = total - delivered;
  return `Suspend ${suspendRunId} failed; its undo resumed ${delivered} of ${total} connections it had suspended${left > 0 ? `, ${left} left suspended (${remaining} not reached) for the next resume or their resumeBy` : ''}.`;
}
