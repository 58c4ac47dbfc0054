import { describe, expect, it } from 'vitest';
import { runBenchmark } from '../bench/harness.js';
import { resultTable } from '../bench/report.js';

// A small, fast run of the benchmark's machinery (N = 500), so that `npm run bench` cannot rot.
// It checks what the contenders did, never how fast: speed is the benchmark's business.

describe('the benchmark machinery at N = 500', () => {
  it('runs the contenders on the same data and checks every final state', async () => {
    const bench = await runBenchmark({
      n: 500,
      contenders: ['ws-channels', 'naive', 'raw', 'store'],
    });

    const [ours, naive, raw, store] = bench.results;
    expect(bench.results.map((result) => result.name)).toEqual([
      'ws-channels',
      'naive',
      'raw',
      'store',
    ]);
    for (const result of bench.results) {
      const { counts } = result;
      expect(
        counts.delivered +
          counts.gone +
          counts.timedOut +
          counts.throttled +
          counts.failed +
          counts.neverAttempted +
          counts.neverAnswered,
        result.name,
      ).toBe(500);
      expect(result.cpuMs).toBeGreaterThan(0);
      expect(result.peakRssMb).toBeGreaterThan(0);
      expect(result.peakHeapUsedMb).toBeGreaterThan(0);
    }
    // ws-channels: nothing left wrong, the gone ones seen as gone, the hung ones timed out.
    expect(ours?.wrongState?.total).toBe(0);
    expect(ours?.counts.gone).toBeGreaterThan(0);
    expect(ours?.counts.neverAttempted).toBe(0);
    expect(ours?.dynamodbCalls).toBeGreaterThan(0);
    // The naive loop delivers, but never marks anything resumed.
    expect(naive?.counts.delivered).toBeGreaterThan(0);
    expect(naive?.wrongState?.stillSuspendedThoughDelivered).toBe(naive?.counts.delivered);
    // The raw client keeps no registry.
    expect(raw?.wrongState).toBeNull();
    expect(raw?.dynamodbCalls).toBe(0);
    // The store's ceiling: every post delivered at once, every result written.
    expect(store?.counts.delivered).toBe(500);
    expect(store?.note).toBe('completed, outcome ok, unrecorded 0');
    expect(store?.dynamodbCalls).toBeGreaterThan(0);
    expect(resultTable(bench)).toMatch(/left in a wrong state\s+0\s+\d+\s+n\/a\s+n\/a/);
  }, 240_000);
});
