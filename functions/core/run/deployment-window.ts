import { isWindowOpen } from '../registry/deployment-window.js';
import { finish, type Run } from './state.js';
import { type RunSummary, runRecordOf } from './summary.js';

// The deployment window as suspend and resume runs keep it. A suspend opens it when it starts (or
// joins the one open: a sibling deployment group of the same stack); a CodeDeploy resume leaves
// it, and resumes every connection only when no sibling deployment is still shifting; the resume
// that does closes it. The window is kept best effort: a run whose window write fails says so
// and goes on as it would without one (the bound closes a window nobody closed).

/** When a window opened by a run that gave no bound counts as closed (the default resumeBy). */
const defaultWindowMs = 15 * 60_000;

/**
 * A run that keeps the deployment window: its first invocation, a real one (a dry run writes
 * nothing; an invocation the run was handed over to finds it kept already).
 */
function keepsWindow(run: Run): boolean {
  return (
    run.options.window !== undefined &&
    !run.options.invocation.request.dryRun &&
    run.options.invocation.handOver === undefined
  );
}

async function bestEffort<T>(run: Run, what: string, write: () => Promise<T>): Promise<T | Error> {
  try {
    return await write();
  } catch (error) {
    run.options.logger.warn(`Could not ${what}; the run goes on without it.`, {
      ...run.fields,
      error,
    });
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Before the lease: a suspend opens (or joins) the window, so that a sibling's resume arriving
 * while this one waits for the lease knows it is coming. A CodeDeploy resume leaves the window;
 * while sibling deployments are still in it, it resumes nobody and answers so (Succeeded).
 */
export async function enterWindow(run: Run): Promise<RunSummary | undefined> {
  const { window, kind, settings, clock } = run.options;
  if (!window || !keepsWindow(run)) return undefined;
  const { runId, startedAt } = run.identity;
  const deploymentId = run.fields.deploymentId;
  if (kind === 'suspend') {
    const openUntil = startedAt + (settings.resumeExpectedWithinMs ?? defaultWindowMs);
    const opened = await bestEffort(run, 'open the deployment window', () =>
      window.open({ runId, deploymentId, now: clock.now(), openUntil }),
    );
    // Without a window, the run is its own scope: it skips only what it suspended itself.
    if (!(opened instanceof Error)) run.identity.windowId = opened.windowId;
    return undefined;
  }
  if (run.fields.trigger !== 'codedeploy' || deploymentId === null) return undefined;
  const left = await bestEffort(run, 'leave the deployment window', () =>
    window.leave(deploymentId),
  );
  if (left instanceof Error || !isWindowOpen(left, clock.now())) return undefined;
  const siblings = [...(left?.deployments ?? [])].sort();
  if (siblings.length === 0) return undefined;
  return resumeLeftToSiblings(run, siblings);
}

/** A resume whose siblings still shift their traffic: the last of them resumes everyone. */
async function resumeLeftToSiblings(run: Run, siblings: string[]): Promise<RunSummary> {
  const { logger, records } = run.options;
  const summary = finish(run, 'completed', 'none');
  summary.siblingDeployments = siblings;
  summary.message = `Sibling deployments still shifting traffic: ${siblings.join(', ')}. Nobody was resumed: the resume of the last of them resumes every connection and closes the window (at the latest, clients resume on their own at resumeBy).`;
  logger.info(summary.message, { ...run.fields, siblingDeployments: siblings });
  await records
    .save(runRecordOf(summary))
    .catch((error: unknown) =>
      logger.warn('Could not save the run record', { ...run.fields, error }),
    );
  return summary;
}

/**
 * After a resume that ran (not an invocation that handed the run over): the window closes. A
 * CodeDeploy resume closes it only if no sibling joined meanwhile; a manual resume of every
 * connection closes it whatever deployments it holds; a manual resume of chosen connections
 * leaves it as it is.
 */
export async function closeWindowAfter(run: Run, summary: RunSummary): Promise<void> {
  const { window, kind, invocation } = run.options;
  if (!window || kind !== 'resume' || run.options.invocation.request.dryRun) return;
  if (summary.state === 'handed_over' || summary.state === 'duplicate') return;
  if (invocation.trigger === 'manual' && invocation.request.connectionIds !== undefined) return;
  await bestEffort(run, 'close the deployment window', () =>
    window.close({ force: invocation.trigger === 'manual' }),
  );
}

/**
 * After a failed suspend tried to resume everyone: its deployment leaves the window (CodeDeploy
 * calls no AfterAllowTraffic after a failed BeforeAllowTraffic), so that a sibling's resume does
 * not wait for it. If everyone was resumed, the window closes unless a sibling is left in it; if
 * not, it stays open to its bound, as the clients left suspended wait for their resumeBy.
 */
export async function leaveWindowAfterUndo(run: Run, resumedEveryone: boolean): Promise<void> {
  const { window } = run.options;
  // An invocation the run was handed over to undoes it too when it fails: only a dry run has
  // nothing to leave.
  if (!window || run.options.invocation.request.dryRun) return;
  const deploymentId = run.fields.deploymentId;
  if (deploymentId !== null) {
    await bestEffort(run, 'leave the deployment window', () => window.leave(deploymentId));
  }
  if (!resumedEveryone) return;
  await bestEffort(run, 'close the deployment window', () => window.close({ force: false }));
}
