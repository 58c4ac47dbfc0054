import { InvalidEventError } from '../errors.js';
import type { HandOver, HandOverKind } from '../invocation/types.js';
import type { RunKind } from '../ports.js';
import { closeWindowAfter, enterWindow, leaveWindowAfterUndo } from './deployment-window.js';
import { countTargets, execute } from './execute.js';
import { holdingLease, repeatedHandOver } from './lease.js';
import { beginRun, finish, type Run, type RunChannelsOptions } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';
import { runTexts } from './texts.js';
import { undoneMessage, undoSuspend } from './undo.js';

// One suspend or resume run, edeliver's SuspendChannels / ResumeChannels, read top to bottom:
// take the lease (waiting a bounded time for a run of the other kind to end), count the
// targets, post the control frame to each through the bulk mechanism while recording each
// result, decide the outcome, keep the run record, report the summary. Pure logic: every
// effect goes through a port.

export { defaultRunId, type RunChannelsOptions, type RunSettings } from './state.js';

/** The hand-overs each function goes on with: the suspend function also ends a failed suspend's undo. */
const acceptedHandOvers: Record<RunKind, readonly HandOverKind[]> = {
  suspend: ['suspend', 'undo'],
  resume: ['resume'],
};

/** Runs one suspend or resume. Throws PreconditionFailedError (and the run record says failed). */
export async function runChannels(options: RunChannelsOptions): Promise<RunSummary> {
  const received = options.invocation.handOver;
  if (received && !acceptedHandOvers[options.kind].includes(received.kind)) {
    throw new InvalidEventError(
      `A hand-over of a ${received.kind} run reached the ${options.kind} function, which goes on only with ${acceptedHandOvers[options.kind].join(' or ')} runs: refused, nothing done.`,
    );
  }
  if (received?.kind === 'undo') return goOnWithUndo(options, received);
  if (options.invocation.trigger === 'deployment_ended' && options.kind !== 'resume') {
    throw new InvalidEventError(
      `A CodeDeploy deployment state change reached the ${options.kind} function; it goes to the resume function: refused, nothing done.`,
    );
  }
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

  if (received) {
    const ended = await endedBeforeThisInvocation(run);
    if (ended) return ended;
  }

  // The deployment window: a suspend opens it; a resume whose siblings still shift ends here.
  const leftToSiblings = await enterWindow(run);
  if (leftToSiblings) return leftToSiblings;

  const summary = await holdingLease(
    run,
    async () => {
      const summary = await execute(run);
      // A run handed over has not ended: its last invocation decides (and undoes).
      const ended = summary.state !== 'handed_over';
      return ended && summary.hookStatus === 'Failed' ? withUndo(run, summary) : summary;
    },
    async () => {
      // Crashed: the error is the answer, unless the undo goes on in a new invocation.
      const result = await undoSuspend(run);
      if (!result?.handedOver) return undefined;
      const handedOver = finish(run, 'handed_over', 'errors');
      handedOver.undo = result.undo;
      handedOver.message = `The suspend failed; its undo goes on in a new invocation, which reports Failed.`;
      return handedOver;
    },
  );
  await closeWindowAfter(run, summary);
  return summary;
}

/** A suspend that decided Failed resumes what it suspended before it says so. */
async function withUndo(run: Run, summary: RunSummary): Promise<RunSummary> {
  const result = await undoSuspend(run);
  if (!result) return summary;
  summary.undo = result.undo;
  if (result.handedOver) {
    // Not reported now: the invocation that ends the undo reports Failed.
    summary.state = 'handed_over';
    summary.message += ' Its undo goes on in a new invocation, which reports Failed.';
    return summary;
  }
  const { delivered, total } = result.undo.counts;
  summary.message += ` Resumed ${delivered} of ${total} suspended connections before reporting Failed.`;
  return summary;
}

/**
 * An invocation a run was handed over to does nothing when the run has ended: a repeated delivery
 * of the hand-over, or one that comes after the hook's hour (CodeDeploy has given up on the hook;
 * above all, a late suspend never suspends the clients of an abandoned deployment).
 */
async function endedBeforeThisInvocation(run: Run): Promise<RunSummary | undefined> {
  const { records, clock, logger } = run.options;
  const hookHourMs = run.options.hookHourMs ?? 60 * 60_000;
  if (run.fields.trigger === 'codedeploy' && clock.now() - run.identity.startedAt >= hookHourMs) {
    const late = finish(run, 'failed', 'errors');
    late.hookStatus = 'Failed';
    late.message = `Invocation ${run.handOvers + 1} of run ${run.identity.runId} came after the hook's hour: it did nothing, and the hook reports Failed.`;
    logger.error(late.message, { ...run.fields, handOvers: run.handOvers });
    await records
      .save(runRecordOf(late))
      .catch((error: unknown) =>
        logger.warn('Could not save the run record', { ...run.fields, error }),
      );
    return late;
  }
  // Lambda delivers an asynchronous event at least once: an invocation goes on only with a run
  // that was handed over to it (or that another delivery of the same hand-over now runs, which
  // the lease then refuses).
  const state = await records.stateOf(run.identity.runId);
  if (state !== 'handed_over' && state !== 'running') return repeatedHandOver(run);
  return undefined;
}

/** The suspend function got a hand-over of a failed suspend's undo: the rest of it, then Failed. */
async function goOnWithUndo(options: RunChannelsOptions, received: HandOver): Promise<RunSummary> {
  const suspendRunId = received.undoOf ?? received.runId;
  const store = options.undoStoreFor?.(suspendRunId);
  if (!store) {
    throw new InvalidEventError(
      `A hand-over of the undo of ${suspendRunId} reached a function that cannot undo a suspend: refused, nothing done.`,
    );
  }
  const undo = beginRun({
    ...options,
    kind: 'resume',
    store,
    undoStoreFor: undefined,
    undoOf: suspendRunId,
  });
  const ended = await endedBeforeThisInvocation(undo);
  if (ended) return ended;
  const summary = await holdingLease(
    undo,
    async () => {
      const summary = await execute(undo);
      if (summary.state !== 'handed_over') {
        await leaveWindowAfterUndo(undo, summary.state === 'completed');
      }
      return summary;
    },
    async () => {
      await leaveWindowAfterUndo(undo, false);
      return undefined;
    },
  );
  if (summary.state === 'handed_over' || summary.state === 'duplicate') return summary;
  summary.undo = { runId: summary.runId, outcome: summary.outcome, counts: summary.counts };
  summary.hookStatus = 'Failed';
  summary.message = undoneMessage(suspendRunId, summary.undo);
  return summary;
}
