import { describe, expect, it } from 'vitest';
import { handOverEvent } from '../../../../functions/core/invocation/hand-over.js';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import type { HandOver } from '../../../../functions/core/invocation/types.js';
import { runChannels } from '../../../../functions/core/run/run-channels.js';
import { InMemoryStore, ScriptedPoster, targets } from '../../../support/fakes.js';

import { setup } from '../../../support/run-setup.js';

// A run that nears its Lambda's deadline hands over to a new invocation (hand-over.ts), or stops.

describe('runChannels near its deadline (hand-over)', () => {
  it('hands over near its deadline; the next invocation goes on under the same run and reports the joined counts', async () => {
    // Prepare: invocation 1 has time for about 30 posts; what it resumed leaves the registry.
    const store = new InMemoryStore(targets(100));
    const resumed = new Set<string>();
    store.writeFate = (result) => {
      resumed.add(result.target.connectionId);
      return 'written';
    };
    const handedOver: HandOver[] = [];
    let posted = 0;
    const hook = { DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' };
    const { options, records, lease, poster } = setup({
      store,
      invocation: parseInvocation(hook),
      poster: new ScriptedPoster(async () => {
        posted++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }),
      deadlineMarginMs: 10_000,
      remainingTimeMs: () => (posted < 30 ? 600_000 : 5_000),
      handOver: async (handOver) => {
        handedOver.push(handOver);
      },
    });

    // Act: invocation 1, then invocation 2 from the hand-over event, then that event once more.
    const first = await runChannels(options);
    const next = handedOver[0];
    if (!next) throw new Error('invocation 1 did not hand over');
    const event = handOverEvent(parseInvocation(hook), next);
    const second = await runChannels({
      ...options,
      store: new InMemoryStore(targets(100).filter((target) => !resumed.has(target.connectionId))),
      invocation: parseInvocation(JSON.parse(JSON.stringify(event))),
      remainingTimeMs: () => 600_000,
    });
    const again = await runChannels({ ...options, invocation: parseInvocation(event) });

    // Assess
    expect(first.state).toBe('handed_over');
    expect(next).toMatchObject({ runId: 'resume-test', handOvers: 1 });
    expect(next.countsSoFar.delivered).toBe(first.counts.delivered);
    expect(second).toMatchObject({
      runId: 'resume-test',
      state: 'completed',
      outcome: 'ok',
      counts: { total: 100, delivered: 100, remaining: 0 },
      hookStatus: 'Succeeded',
    });
    expect(again.state).toBe('duplicate');
    expect(poster.frames.size).toBe(100);
    expect([...poster.frames.values()].every((frames) => frames.length === 1)).toBe(true);
    expect(records.saves.map((save) => save.state)).toEqual([
      'running',
      'handed_over',
      'running',
      'completed',
    ]);
    expect(lease.held).toBeUndefined();
  });

  it('does not hand over from an invocation that reached nobody (a Lambda shorter than the margin)', async () => {
    const handedOver: HandOver[] = [];
    const { options, poster } = setup({
      store: new InMemoryStore(targets(10)),
      invocation: parseInvocation({ DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' }),
      deadlineMarginMs: 10_000,
      remainingTimeMs: () => 5_000,
      handOver: async (handOver) => {
        handedOver.push(handOver);
      },
    });

    const summary = await runChannels(options);

    expect(handedOver).toEqual([]);
    expect(poster.frames.size).toBe(0);
    expect(summary).toMatchObject({
      state: 'incomplete',
      hookStatus: 'Failed',
      counts: { total: 10, remaining: 10 },
    });
  });

  it("does not hand over past the hook's hour: it stops, and a hook reports Failed", async () => {
    let posted = 0;
    const { options } = setup({
      store: new InMemoryStore(targets(100)),
      invocation: parseInvocation({ DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' }),
      poster: new ScriptedPoster(async () => {
        posted++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }),
      deadlineMarginMs: 10_000,
      remainingTimeMs: () => (posted < 30 ? 600_000 : 5_000),
      handOverWithinMs: 0,
      handOver: async () => {
        throw new Error('must not be called');
      },
    });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ state: 'incomplete', hookStatus: 'Failed' });
    expect(summary.message).toMatch(/not reached in time; the hook reports Failed/);
  });
});
