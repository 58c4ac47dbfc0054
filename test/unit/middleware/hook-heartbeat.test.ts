import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { claimTtlMs, startClaimHeartbeat } from '../../../functions/middleware/hook-heartbeat.js';
import { InMemoryHookExecutions } from '../../support/hook-executions.js';

const hook = { deploymentId: 'd-1', lifecycleEventHookExecutionId: 'h-1' };
const logger = { debug() {}, info() {}, warn: vi.fn(), error() {} };

describe('startClaimHeartbeat', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  async function claimed() {
    const executions = new InMemoryHookExecutions(() => Date.now());
    await executions.claim(hook, {
      kind: 'resume',
      owner: 'me',
      inProgressUntil: Date.now() + claimTtlMs,
    });
    const until = () => {
      const execution = executions.items.get('h-1')?.execution;
      return execution?.state === 'in_progress' ? execution.inProgressUntil : undefined;
    };
    return { executions, until };
  }

  it('renews the claim every 10 s for the time to live, until stopped', async () => {
    const { executions, until } = await claimed();
    const heartbeat = startClaimHeartbeat({
      executions,
      hook,
      owner: 'me',
      clock: { now: Date.now },
      logger,
    });

    await vi.advanceTimersByTimeAsync(25_000);
    expect(until()).toBe(Date.now() - 5_000 + claimTtlMs);
    heartbeat.stop();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(until()).toBe(1_700_000_000_000 + 20_000 + claimTtlMs);
  });

  it('keeps the claim for a hand-over’s grace and stops renewing it', async () => {
    const { executions, until } = await claimed();
    const heartbeat = startClaimHeartbeat({
      executions,
      hook,
      owner: 'me',
      clock: { now: Date.now },
      logger,
    });

    await heartbeat.keepFor(16 * 60_000);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(until()).toBe(1_700_000_000_000 + 16 * 60_000);
  });

  it('says so when another delivery took the claim over, and renews nothing of theirs', async () => {
    const { executions, until } = await claimed();
    const heartbeat = startClaimHeartbeat({
      executions,
      hook,
      owner: 'me',
      clock: { now: Date.now },
      logger,
    });
    // Lambda's retry took it over (its own claim, for its own time).
    executions.items.set('h-1', {
      owner: 'retry',
      execution: { hook, kind: 'resume', state: 'in_progress', inProgressUntil: 0 },
    });

    await vi.advanceTimersByTimeAsync(10_000);
    heartbeat.stop();

    expect(until()).toBe(0);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/Another delivery took this hook over/),
      hook,
    );
  });
});
