// The ports a run talks to CodeDeploy and Lambda through: the hook's status, its executions, the
// deployments of the window, and the invoker a run hands over with. Re-exported by ports.ts.

/** The two runs: suspend before traffic shifts, resume after. */
export type RunKind = 'suspend' | 'resume';

/** What CodeDeploy says of a deployment that is in the deployment window. */
export type DeploymentState = 'in_progress' | 'ended' | 'unknown';

/** Asks CodeDeploy about deployments (GetDeployment). */
export interface Deployments {
  /**
   * `in_progress` while CodeDeploy may still call its hooks; `ended` once it cannot (succeeded,
   * failed, stopped, or no such deployment); `unknown` when it cannot be asked.
   */
  stateOf(deploymentId: string): Promise<DeploymentState>;
}

/** Invokes a function asynchronously (a run hands over to a new invocation this way). */
export interface Invoker {
  invokeAsync(functionName: string, payload: unknown): Promise<void>;
}

export type HookStatus = 'Succeeded' | 'Failed';

export interface LifecycleHook {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
}

/** Tells CodeDeploy how a lifecycle hook went. */
export interface HookReporter {
  report(hook: LifecycleHook, status: HookStatus): Promise<void>;
}

/**
 * One CodeDeploy hook execution, keyed on its LifecycleEventHookExecutionId (Powertools
 * Idempotency's model): `in_progress` while an invocation does the work, `completed` once its
 * status is decided and stored, `reported` once CodeDeploy has it.
 */
export type HookExecution = { hook: LifecycleHook; kind: RunKind } & (
  | {
      state: 'in_progress';
      /**
       * Epoch ms after which the holder is taken to be dead, and a delivery may take over: its
       * holder renews it with a heartbeat while it runs.
       */
      inProgressUntil: number;
    }
  | {
      state: 'completed' | 'reported';
      status: HookStatus;
      /** What the invocation that did the work returned. */
      response: Record<string, unknown>;
    }
);

export type HookClaim = { claimed: true } | { claimed: false; execution: HookExecution };

/** Where hook executions are kept, so that every delivery of a hook's event finds the first. */
export interface HookExecutions {
  /**
   * Starts the execution for `owner` (one invocation) when the hook has none, or when its
   * `in_progress` holder is past `inProgressUntil`, or is `owner` itself (an invocation its run
   * was handed over to, which extends it); otherwise answers the execution there is.
   */
  claim(
    hook: LifecycleHook,
    claim: { kind: RunKind; owner: string; inProgressUntil: number },
  ): Promise<HookClaim>;
  /** Stores the decided status; false when `owner` no longer holds the execution (taken over). */
  complete(
    hook: LifecycleHook,
    owner: string,
    result: { status: HookStatus; response: Record<string, unknown> },
  ): Promise<boolean>;
  /** CodeDeploy has the status of a `completed` execution; anything else is left as it is. */
  markReported(hook: LifecycleHook): Promise<void>;
  /**
   * Moves the claim's `inProgressUntil` while `owner` holds it in progress (a heartbeat, or a
   * hand-over's grace); false when another delivery took it over.
   */
  extend(hook: LifecycleHook, owner: string, inProgressUntil: number): Promise<boolean>;
}
