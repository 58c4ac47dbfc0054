import type { Clock, HookExecutions, LifecycleHook, Logger } from '../core/ports.js';

// The heartbeat of a hook execution's claim. The invocation that claims a hook keeps its claim
// alive for `claimTtlMs` at a time, renewed every `heartbeatMs` while it runs. If it dies outside
// middy (out of memory, the runtime exits), its claim goes stale within `claimTtlMs`, and Lambda's
// retry of the event (about a minute later) takes the hook over instead of answering that another
// delivery is running, until CodeDeploy's hour is up.

/** A claim not renewed for this long belongs to an invocation that died. */
export const claimTtlMs = 30_000;
const heartbeatMs = 10_000;

export interface ClaimHeartbeat {
  /** Keeps the claim for `forMs` from now (a hand-over's grace), and stops the heartbeat. */
  keepFor(forMs: number): Promise<void>;
  stop(): void;
}

export function startClaimHeartbeat(parts: {
  executions: HookExecutions;
  hook: LifecycleHook;
  owner: string;
  clock: Clock;
  logger: Logger;
}): ClaimHeartbeat {
  const { executions, hook, owner, clock, logger } = parts;
  const renew = async (untilMs: number) => {
    const kept = await executions.extend(hook, owner, untilMs).catch((error: unknown) => {
      logger.warn('Could not renew the hook execution; the next heartbeat tries again.', {
        ...hook,
        error,
      });
      return true;
    });
    if (!kept) {
      logger.warn(
        'Another delivery took this hook over (this invocation missed its heartbeats); it goes on, and CodeDeploy keeps the first status.',
        { ...hook },
      );
    }
  };
  const timer = setInterval(() => void renew(clock.now() + claimTtlMs), heartbeatMs);
  timer.unref?.();
  return {
    keepFor: async (forMs) => {
      clearInterval(timer);
      await renew(clock.now() + forMs);
    },
    stop: () => clearInterval(timer),
  };
}
