import type {
  HookClaim,
  HookExecution,
  HookExecutions,
  HookStatus,
  LifecycleHook,
  RunKind,
} from '../../functions/core/ports.js';

// The hook executions as DynamoDBHookExecutions keeps them, in memory: a claim succeeds on no
// item or an in-progress one past its time, only the owner completes, only a completed one is
// marked reported. Responses go through JSON, as they go through DynamoDB.

interface Item {
  owner: string;
  execution: HookExecution;
}

export class InMemoryHookExecutions implements HookExecutions {
  readonly items = new Map<string, Item>();
  constructor(readonly now: () => number = Date.now) {}

  async claim(
    hook: LifecycleHook,
    claim: { kind: RunKind; owner: string; inProgressUntil: number },
  ): Promise<HookClaim> {
    const item = this.items.get(hook.lifecycleEventHookExecutionId);
    if (
      item === undefined ||
      (item.execution.state === 'in_progress' &&
        (item.execution.inProgressUntil < this.now() || item.owner === claim.owner))
    ) {
      this.items.set(hook.lifecycleEventHookExecutionId, {
        owner: claim.owner,
        execution: {
          hook,
          kind: claim.kind,
          state: 'in_progress',
          inProgressUntil: claim.inProgressUntil,
        },
      });
      return { claimed: true };
    }
    return { claimed: false, execution: JSON.parse(JSON.stringify(item.execution)) };
  }

  async complete(
    hook: LifecycleHook,
    owner: string,
    result: { status: HookStatus; response: Record<string, unknown> },
  ): Promise<boolean> {
    const item = this.items.get(hook.lifecycleEventHookExecutionId);
    if (item?.owner !== owner || item.execution.state !== 'in_progress') return false;
    item.execution = {
      hook,
      kind: item.execution.kind,
      state: 'completed',
      status: result.status,
      response: JSON.parse(JSON.stringify(result.response)),
    };
    return true;
  }

  async markReported(hook: LifecycleHook): Promise<void> {
    const item = this.items.get(hook.lifecycleEventHookExecutionId);
    if (item?.execution.state === 'completed')
      item.execution = { ...item.execution, state: 'reported' };
  }

  async extend(hook: LifecycleHook, owner: string, inProgressUntil: number): Promise<boolean> {
    const item = this.items.get(hook.lifecycleEventHookExecutionId);
    if (item?.owner !== owner || item.execution.state !== 'in_progress') return false;
    item.execution = { ...item.execution, inProgressUntil };
    return true;
  }

  /** The state of a hook's execution, or undefined when it has none. */
  stateOf(lifecycleEventHookExecutionId: string): HookExecution['state'] | undefined {
    return this.items.get(lifecycleEventHookExecutionId)?.execution.state;
  }
}
