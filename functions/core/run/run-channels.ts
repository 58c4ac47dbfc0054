import { closeWindowAfter, enterWindow } from './deployment-window.js';
import { countTargets, execute } from './execute.js';
import { holdingLease, repeatedHandOver } from './lease.js';
import { beginRun, finish, type RunChannelsOptions } from './state.js';
import type { RunSummary } from './summary.js';
import { runTexts } from './texts.js';
import { undoSuspend } from './undo.js';

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
