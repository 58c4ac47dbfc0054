import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  functionKeyOf,
  type InvokeTarget,
  lambdaNameOf,
  type RunFunction,
} from '../../scripts/lib/invoke.js';
import type { CodeDeployEmulator } from './codedeploy-emulator.js';
import { waitUntil } from './ws-clients.js';

// Plays one CodeDeploy deployment against the local stack, as CodeDeploy and Lambda's event queue
// play it in AWS: each lifecycle hook's event is invoked asynchronously (InvocationType Event);
// Lambda delivers an event at least once (here BeforeAllowTraffic is delivered twice) and retries
// a failed invocation twice (here, as soon as the failure shows, where Lambda waits a minute or
// two). Between the hooks, the traffic shift is a moment: the local stack has one version of
// $default, so the driver records when it happened and lets the test act there.
//
// serverless-offline runs an Event invocation without awaiting it, so a failed one is an unhandled
// rejection in its process: start the stack with NODE_OPTIONS=--unhandled-rejections=warn (without
// it the stack exits). The driver sees an invocation end or fail in the stack's output.

export type HookName = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

export interface HookDelivery {
  /** first, a duplicate of a delivered event, or Lambda's retry after a failed invocation. */
  kind: 'first' | 'duplicate' | 'retry';
  at: number;
}

export interface HookRecord {
  hook: HookName;
  functionName: RunFunction;
  lifecycleEventHookExecutionId: string;
  deliveries: HookDelivery[];
  /** Invocations of this hook that failed (Lambda would retry each, twice at most). */
  failedInvocations: number;
  /** The status CodeDeploy holds for the hook; undefined if none came in time. */
  status: string | undefined;
  /** How many status calls CodeDeploy accepted for the hook (it accepts exactly one). */
  statusCalls: number;
  /** When the status came in (epoch ms). */
  reportedAt: number | undefined;
}

export interface DeploymentRecord {
  deploymentId: string;
  startedAt: number;
  /** When traffic shifted to the new version; undefined when BeforeAllowTraffic failed. */
  trafficShiftedAt: number | undefined;
  hooks: HookRecord[];
  /**
   * Succeeded when both hooks got exactly one status each, Succeeded; otherwise Failed. A hook left
   * without a status once Lambda gave up is Failed here at once (CodeDeploy would wait out its
   * one-hour limit first).
   */
  finalState: 'Succeeded' | 'Failed';
  /** A failed deployment is rolled back: traffic goes (or stays) on the old version. */
  rolledBack: boolean;
  /** When EventBridge's state change of a stopped deployment was sent to resume. */
  stateChangeSentAt?: number;
  finishedAt: number;
}

export interface PlayDeploymentOptions {
  target: InvokeTarget;
  codeDeploy: CodeDeployEmulator;
  /** Everything the local stack printed so far: where invocations are seen to end or fail. */
  output: () => string;
  deploymentId: string;
  /** The traffic shift: called once BeforeAllowTraffic succeeded, before AfterAllowTraffic. */
  shiftTraffic: () => Promise<void>;
  /** Deliver BeforeAllowTraffic's event twice (Lambda's at-least-once delivery). Default true. */
  duplicateBeforeAllowTraffic?: boolean;
  /** How long a hook may take to get its status, retries included. Default 60 s. */
  hookTimeoutMs?: number;
  /**
   * The deployment stops during its shift (a canary's alarm rolls it back, or someone stops it):
   * no AfterAllowTraffic; CodeDeploy says the deployment is Stopped (or Failed), and EventBridge's
   * state change goes to the resume function, as the rule ws-channels adds sends it.
   */
  stopDuringShift?: 'STOP' | 'FAILURE';
}

/** Lambda retries a failed asynchronous invocation twice. */
const lambdaRetries = 2;

export async function playDeployment(options: PlayDeploymentOptions): Promise<DeploymentRecord> {
  const { codeDeploy, deploymentId } = options;
  const hookTimeoutMs = options.hookTimeoutMs ?? 60_000;
  const startedAt = Date.now();
  const hooks: HookRecord[] = [];

  const playHook = async (hook: HookName, functionName: RunFunction, duplicate: boolean) => {
    const record: HookRecord = {
      hook,
      functionName,
      lifecycleEventHookExecutionId: `${deploymentId}-${hook}`,
      deliveries: [],
      failedInvocations: 0,
      status: undefined,
      statusCalls: 0,
      reportedAt: undefined,
    };
    hooks.push(record);
    const event = {
      DeploymentId: deploymentId,
      LifecycleEventHookExecutionId: record.lifecycleEventHookExecutionId,
    };
    const statusOf = () => codeDeploy.statusOf(deploymentId, record.lifecycleEventHookExecutionId);
    // Counted from here on: what the stack printed before is another hook's.
    const functionKey = functionKeyOf(functionName);
    const ended = lineCounter(options.output, endedLine(functionKey));
    const failures = lineCounter(options.output, failedLine(functionKey));
    const deliver = async (kind: HookDelivery['kind']) => {
      record.deliveries.push({ kind, at: Date.now() });
      await invokeAsync(options.target, functionName, event);
    };

    await deliver('first');
    if (duplicate) await deliver('duplicate');
    for (let retries = 0; ; retries++) {
      const seen = failures();
      await waitUntil(
        () => statusOf() !== undefined || failures() > seen,
        `a status for ${hook}, or a failed invocation of ${functionName}`,
        hookTimeoutMs,
      ).catch(() => undefined);
      if (statusOf() !== undefined || failures() === seen || retries >= lambdaRetries) break;
      await deliver('retry');
    }
    record.failedInvocations = failures();
    // Every delivery has ended or failed before the hook counts as done: a duplicate that is
    // still running could otherwise report after the test looked.
    await waitUntil(
      () => ended() + failures() >= record.deliveries.length,
      `the ${record.deliveries.length} invocations of ${functionName} to end`,
      hookTimeoutMs,
    ).catch(() => undefined);
    record.failedInvocations = failures();
    record.status = statusOf();
    const accepted = codeDeploy.calls.filter(
      (call) =>
        call.deploymentId === deploymentId &&
        call.lifecycleEventHookExecutionId === record.lifecycleEventHookExecutionId,
    );
    record.statusCalls = accepted.length;
    record.reportedAt = accepted[0]?.at;
    return record;
  };

  const finish = (trafficShiftedAt: number | undefined): DeploymentRecord => {
    const succeeded =
      hooks.length === 2 &&
      hooks.every((hook) => hook.status === 'Succeeded' && hook.statusCalls === 1);
    return {
      deploymentId,
      startedAt,
      trafficShiftedAt,
      hooks,
      finalState: succeeded ? 'Succeeded' : 'Failed',
      rolledBack: !succeeded,
      finishedAt: Date.now(),
    };
  };

  const before = await playHook(
    'BeforeAllowTraffic',
    'suspend',
    options.duplicateBeforeAllowTraffic ?? true,
  );
  // CodeDeploy stops at a failed BeforeAllowTraffic: no shift, no AfterAllowTraffic.
  if (before.status !== 'Succeeded') return finish(undefined);
  const trafficShiftedAt = Date.now();
  await options.shiftTraffic();
  if (options.stopDuringShift) {
    return { ...finish(trafficShiftedAt), ...(await stopDeployment(options)) };
  }
  await playHook('AfterAllowTraffic', 'resume', false);
  return finish(trafficShiftedAt);
}

/** CodeDeploy stops the deployment; EventBridge's rule invokes resume with the state change. */
async function stopDeployment(
  options: PlayDeploymentOptions,
): Promise<{ stateChangeSentAt: number; finishedAt: number }> {
  const state = options.stopDuringShift ?? 'STOP';
  options.codeDeploy.setDeploymentStatus(
    options.deploymentId,
    state === 'STOP' ? 'Stopped' : 'Failed',
  );
  const ended = lineCounter(options.output, endedLine(functionKeyOf('resume')));
  const seen = ended();
  const stateChangeSentAt = Date.now();
  await invokeAsync(options.target, 'resume', {
    version: '0',
    source: 'aws.codedeploy',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    detail: {
      deploymentId: options.deploymentId,
      state,
      application: 'local',
      deploymentGroup: 'local',
    },
  });
  await waitUntil(
    () => ended() > seen,
    'the resume invoked by the state change to end',
    options.hookTimeoutMs ?? 60_000,
  );
  return { stateChangeSentAt, finishedAt: Date.now() };
}

/** An asynchronous invocation: serverless-offline answers 202 at once and runs it. */
export async function invokeAsync(
  target: InvokeTarget,
  name: RunFunction,
  event: Record<string, unknown>,
): Promise<void> {
  const client = new LambdaClient({
    endpoint: target.lambdaEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const output = await client.send(
      new InvokeCommand({
        FunctionName: lambdaNameOf(target, name),
        InvocationType: 'Event',
        Payload: JSON.stringify(event),
      }),
    );
    if (output.StatusCode !== 202) {
      throw new Error(`An Event invocation of ${name} was answered ${output.StatusCode}, not 202`);
    }
  } finally {
    client.destroy();
  }
}

// serverless-offline prints "(λ: wsChannelsSuspend) RequestId: … Duration: …" when an invocation returns,
// and this when it throws (a synchronous caller gets the error; an Event one gets nothing).
const endedLine = (functionKey: string) => `(λ: ${functionKey}) RequestId:`;
const failedLine = (functionKey: string) => `Unhandled exception in handler '${functionKey}'.`;

/** Counts the lines with `needle` printed from now on, reading only what is new at each call. */
function lineCounter(output: () => string, needle: string): () => number {
  let scannedTo = output().length;
  let count = 0;
  return () => {
    const text = output();
    // A needle cut in two by the last read is found whole in this one.
    let index = text.indexOf(needle, Math.max(0, scannedTo - needle.length + 1));
    for (; index !== -1; index = text.indexOf(needle, index + needle.length)) count++;
    scannedTo = text.length;
    return count;
  };
}
