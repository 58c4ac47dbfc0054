import { hookOf } from '../core/invocation/parse.js';
import type { LifecycleHook, Logger, RunKind } from '../core/ports.js';
import type { RunSummary } from '../core/run/summary.js';

// What a suspend or resume handler answers a hook event with, and which hook events get no
// status at all (a console run, a dry run, a hook without ids).

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

function isDryRun(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'dryRun' in event && event.dryRun === true;
}

/** The hook to give a status to: none for a console run, a dry run, or a hook without ids. */
export function reportableHookOf(event: unknown): LifecycleHook | undefined {
  return isDryRun(event) ? undefined : hookOf(event);
}

/** Says why an event that names a hook gets no status. */
export function explainUnreported(logger: Logger, event: unknown): undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  if (!('DeploymentId' in event) && !('LifecycleEventHookExecutionId' in event)) return undefined;
  const hook = hookOf(event);
  if (hook && isDryRun(event)) {
    logger.info('A dry run of a CodeDeploy hook: nothing is reported to CodeDeploy.', { ...hook });
    return undefined;
  }
  logger.error(
    'The event names a CodeDeploy hook without a DeploymentId and a LifecycleEventHookExecutionId (non-empty strings): there is no hook to report to, so CodeDeploy is told nothing.',
    {
      deploymentId: 'DeploymentId' in event ? event.DeploymentId : undefined,
      lifecycleEventHookExecutionId:
        'LifecycleEventHookExecutionId' in event ? event.LifecycleEventHookExecutionId : undefined,
    },
  );
  return undefined;
}
