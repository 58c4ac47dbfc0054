import type { HookReport } from '../core/invocation/parse.js';
import type { LifecycleHook, Logger, RunKind } from '../core/ports.js';
import type { RunSummary } from '../core/run/summary.js';

// What a suspend or resume handler answers a hook event with, and why some hook events get no
// status at all (a dry run, a hook without ids).

/** What the handler returns when the run threw: the console shows it, CodeDeploy got Failed. */
export interface FailedRunResponse {
  kind: RunKind;
  trigger: 'codedeploy';
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  state: 'failed';
  hookStatus: 'Failed';
  error: { name: string; message: string };
}

/** What a repeat delivery returns while the first still runs: it did nothing, reported nothing. */
export interface RepeatedHookResponse {
  kind: RunKind;
  trigger: 'codedeploy';
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  state: 'running';
  repeat: 'in_progress';
  inProgressUntil: string;
  message: string;
}

export type RunResponse = RunSummary | FailedRunResponse | RepeatedHookResponse;

/** What a repeat delivery answers while the first still runs: nothing done, nothing reported. */
export function repeatWhileInProgress(
  kind: RunKind,
  hook: LifecycleHook,
  inProgressUntilMs: number,
): RepeatedHookResponse {
  const inProgressUntil = new Date(inProgressUntilMs).toISOString();
  return {
    kind,
    trigger: 'codedeploy',
    ...hook,
    state: 'running',
    repeat: 'in_progress',
    inProgressUntil,
    message: `A delivery of this hook is already running (until ${inProgressUntil} at the latest); this repeat does nothing and reports nothing.`,
  };
}

/** Says why an event that names a hook gets no status (a console run names none: nothing to say). */
export function explainUnreported(logger: Logger, report: HookReport): undefined {
  if (report.kind === 'dry_run') {
    logger.info('A dry run of a CodeDeploy hook: nothing is reported to CodeDeploy.', {
      ...report.hook,
    });
  } else if (report.kind === 'no_ids') {
    logger.error(
      'The event names a CodeDeploy hook without a DeploymentId and a LifecycleEventHookExecutionId (non-empty strings): there is no hook to report to, so CodeDeploy is told nothing.',
      {
        deploymentId: report.deploymentId,
        lifecycleEventHookExecutionId: report.lifecycleEventHookExecutionId,
      },
    );
  }
  return undefined;
}
