import { describe, expect, it } from 'vitest';
import { RunInProgressError } from '../../../../functions/core/errors.js';
import { runChannels } from '../../../../functions/core/run/run-channels.js';
import { InMemoryStore, targets } from '../../../support/fakes.js';

import { setup } from '../../../support/run-setup.js';

// The lease as a run holds it (lease.ts): waited for a bounded time, taken over from a dead holder.

describe('runChannels and the lease', () => {
  it('waits a bounded time for a run that holds the lease, then gives up', async () => {
    const { options, records, lease, poster } = setup({
      store: new InMemoryStore(targets(3)),
      leaseWaitMs: 300,
    });
    lease.held = {
      runId: 'suspend-other',
      kind: 'suspend',
      untilMs: Date.now() + 60_000,
      handOvers: 0,
    };

    const startedAt = performance.now();
    await expect(runChannels(options)).rejects.toThrow(RunInProgressError);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect(lease.requests.length).toBeGreaterThan(1);
    expect(poster.frames.size).toBe(0);
    expect(records.saves).toEqual([]);
  });

  it('a resume started with a suspend waits for it, then resumes what it suspended', async () => {
    // Prepare: the suspend holds the lease and marks 1,500 connections; nothing is suspended yet.
    const store = new InMemoryStore([]);
    const { options, records, lease, poster } = setup({ store });
    lease.held = {
      runId: 'suspend-1',
      kind: 'suspend',
      untilMs: Date.now() + 60_000,
      handOvers: 0,
    };
    setTimeout(() => {
      store.targets.push(...targets(1_500));
      lease.held = undefined;
    }, 300);

    // Act
    const summary = await runChannels(options);

    // Assess: not "Nothing to do": every one of them got its resume.
    expect(summary).toMatchObject({ outcome: 'ok', counts: { total: 1_500, delivered: 1_500 } });
    expect(poster.frames.size).toBe(1_500);
    expect(records.saves.map((save) => save.state)).toEqual(['running', 'completed']);
  });

  it('takes over a lease whose holder died (its expiry has passed)', async () => {
    const { options, records, lease, poster } = setup({ store: new InMemoryStore(targets(3)) });
    lease.held = { runId: 'suspend-dead', kind: 'suspend', untilMs: Date.now() - 1, handOvers: 0 };
    await records.save({ runId: 'suspend-dead', state: 'running' });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ outcome: 'ok', counts: { delivered: 3 } });
    expect(poster.frames.size).toBe(3);
    expect(records.saves.map((save) => save.state)).toEqual(['running', 'running', 'completed']);
    // The dead run's record no longer says running.
    expect(records.saved.get('suspend-dead')).toMatchObject({ state: 'failed' });
    expect(lease.held).toBeUndefined();
  });
});
