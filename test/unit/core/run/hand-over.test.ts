import { describe, expect, it } from 'vitest';
import { InvalidEventError, RunInProgressError } from '../../../../functions/core/errors.js';
import { handOverEvent } from '../../../../functions/core/invocation/hand-over.js';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import type { HandOver } from '../../../../functions/core/invocation/types.js';
import { emptyCounts } from '../../../../functions/core/run/outcome.js';
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

describe('an invocation a run was handed over to (issue 17: no hook left waiting)', () => {
  const hook = { DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' };
  /** The hand-over event of run `runId` of `kind`, its first hand-over, started `agoMs` ago. */
  const handOverOf = (runId: string, kind: HandOver['kind'], agoMs = 0, extra = {}) =>
    parseInvocation(
      JSON.parse(
        JSON.stringify(
          handOverEvent(parseInvocation(hook), {
            runId,
            kind,
            startedAt: Date.now() - agoMs,
            handOvers: 1,
            countsSoFar: emptyCounts(),
            owner: null,
            ...extra,
          }),
        ),
      ),
    );

  it('keeps the lease for it: a run that starts in between waits, and the invocation takes the lease back', async () => {
    // Prepare: invocation 1 has time for about 30 posts of 100.
    let posted = 0;
    const handedOver: HandOver[] = [];
    const { options, lease } = setup({
      store: new InMemoryStore(targets(100)),
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

    // Act: invocation 1; a console resume in between; then invocation 2.
    const first = await runChannels(options);
    const heldAfterHandOver = lease.held;
    const console = runChannels({
      ...options,
      invocation: parseInvocation({}),
      newRunId: () => 'resume-console',
      leaseWaitMs: 300,
    });
    await expect(console).rejects.toThrow(RunInProgressError);
    const next = handedOver[0];
    if (!next) throw new Error('invocation 1 did not hand over');
    const second = await runChannels({
      ...options,
      store: new InMemoryStore(targets(100).slice(posted)),
      invocation: parseInvocation(
        JSON.parse(JSON.stringify(handOverEvent(options.invocation, next))),
      ),
      remainingTimeMs: () => 600_000,
    });

    // Assess
    expect(first.state).toBe('handed_over');
    expect(next.kind).toBe('resume');
    expect(heldAfterHandOver?.runId).toBe('resume-test');
    expect(heldAfterHandOver?.untilMs).toBeGreaterThan(Date.now() + 15 * 60_000 - 5_000);
    expect(second).toMatchObject({ state: 'completed', hookStatus: 'Succeeded' });
    expect(lease.held).toBeUndefined();
  });

  it('waits for another run that holds the lease, and goes on once it ends', async () => {
    const { options, lease, records } = setup({
      store: new InMemoryStore(targets(10)),
      invocation: handOverOf('resume-test', 'resume'),
    });
    await records.save({ runId: 'resume-test', state: 'handed_over' });
    lease.held = {
      runId: 'resume-console',
      kind: 'resume',
      untilMs: Date.now() + 300,
      handOvers: 0,
    };

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ state: 'completed', hookStatus: 'Succeeded' });
    expect(summary.counts.delivered).toBe(10);
  });

  it('fails the run when the other run holds the lease past the wait: the hook hears Failed, and a suspend undoes itself', async () => {
    // Prepare: a console resume holds the lease for a minute; the suspend's second invocation
    // comes with 5 connections that its first invocation marked.
    const undoStore = new InMemoryStore(targets(5, 'suspend-test'));
    const { options, lease, records, poster } = setup({
      kind: 'suspend',
      store: new InMemoryStore(targets(10, null)),
      undoStoreFor: () => undoStore,
      invocation: handOverOf('suspend-test', 'suspend'),
      leaseWaitMs: 300,
    });
    await records.save({ runId: 'suspend-test', state: 'handed_over' });
    lease.held = {
      runId: 'resume-console',
      kind: 'resume',
      untilMs: Date.now() + 60_000,
      handOvers: 0,
    };

    // Act
    const outcome = runChannels(options);

    // Assess: the error reaches the handler (which reports Failed); nothing was suspended, and
    // what the run had suspended was resumed.
    await expect(outcome).rejects.toThrow(RunInProgressError);
    expect(records.saved.get('suspend-test')).toMatchObject({
      state: 'failed',
      hookStatus: 'Failed',
    });
    const types = [...poster.frames.values()].flat().map((frame) => JSON.parse(frame).type);
    expect(types).toEqual(Array(5).fill('resume'));
    expect(lease.held?.runId).toBe('resume-console');
  });

  it("does nothing past the hook's hour but say Failed: a late suspend suspends nobody", async () => {
    const store = new InMemoryStore(targets(10, null));
    const { options, lease, poster, records } = setup({
      kind: 'suspend',
      store,
      invocation: handOverOf('suspend-test', 'suspend', 61 * 60_000),
    });
    await records.save({ runId: 'suspend-test', state: 'handed_over' });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ state: 'failed', hookStatus: 'Failed' });
    expect(summary.message).toMatch(/after the hook's hour: it did nothing/);
    expect(poster.frames.size).toBe(0);
    expect(store.pagesPulled).toBe(0);
    expect(lease.requests).toEqual([]);
  });

  it('is refused by a function of the other kind, which does nothing', async () => {
    const { options, poster } = setup({
      kind: 'suspend',
      store: new InMemoryStore(targets(3, null)),
      invocation: handOverOf('resume-test', 'resume'),
    });
    await expect(runChannels(options)).rejects.toThrow(InvalidEventError);
    await expect(
      runChannels({
        ...options,
        kind: 'resume',
        invocation: handOverOf('s-1', 'undo', 0, { undoOf: 's-1' }),
      }),
    ).rejects.toThrow(/undo run reached the resume function/);
    expect(poster.frames.size).toBe(0);
  });
});
