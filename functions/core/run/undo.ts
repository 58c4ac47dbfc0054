import { leaveWindowAfterUndo } from './deployment-window.js';
import { execute } from './execute.js';
import { beginRun, type Run } from './state.js';
import type { RunSummary } from './summary.js';

/**
 * A failed BeforeAllowTraffic means CodeDeploy never calls AfterAllowTraffic: before a suspend
 * reports Failed, it resumes every suspended connection (its own, and any a run before it left
 * behind), still under the lease, as a resume run of its own (`<runId>-undo`). If that fails
 * too, the connections stay suspended for the next resume, and the log says so.
 */
export async function undoSuspend(run: Run): Promise<RunSummary['undo']> {
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
