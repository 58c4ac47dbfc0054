import { describe, expect, it } from 'vitest';
import { type ContenderName, type ContenderReport, noCounts } from '../../bench/contenders.js';
import type { BenchResult, ContenderResult } from '../../bench/harness.js';
import { type PostsSeen, ratioLines, resultTable, throughput } from '../../bench/report.js';

// The figures `npm run bench` prints, from made-up contender reports: no processes, no network.

type Report = ContenderReport & { cpuMs: number };

function report(overrides: Partial<Report>): Report {
  return {
    startedAtMs: 1_700_000_000_000,
    wallMs: 10_000,
    counts: noCounts(),
    latencyMs: { p50: 20, p99: 40 },
    dynamodbCalls: 0,
    cpuMs: 1_000,
    ...overrides,
  };
}

function result(name: ContenderName, contender: Report, seen: PostsSeen): ContenderResult {
  return {
    name,
    ...contender,
    dynamodbLocalCpuMs: 0,
    emulatorCpuMs: 0,
    peakRssMb: 100,
    peakHeapUsedMb: 30,
    postsSeen: seen.posts,
    ...throughput(contender, seen),
    wrongState: null,
  };
}

function bench(results: ContenderResult[]): BenchResult {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: { cpus: 2, node: 'v20.0.0' },
    setup: {
      n: 100_000,
      concurrency: 100,
      timeoutMs: 1000,
      latencyMs: 20,
      jitterMs: 5,
      mix: {},
      seed: 1,
      shards: 16,
    },
    results,
  };
}

// ws-channels: 100,000 handled in 50 s.
const ours = result(
  'ws-channels',
  report({ wallMs: 50_000, counts: { ...noCounts(), delivered: 95_000, gone: 5_000 } }),
  { posts: 100_000, lastPostAfterMs: 49_950 },
);

describe('the benchmark report', () => {
  it('measures a stalled contender that heard back from nothing by what the emulator received', () => {
    // Prepare: the naive loop gave up before any post settled, as in a run at N = 100,000.
    const stalled = report({
      wallMs: 0,
      stalled: true,
      counts: { ...noCounts(), neverAttempted: 92_906, neverAnswered: 7_094 },
      dynamodbCalls: 1,
    });

    // Act
    const naive = result('naive', stalled, { posts: 7_094, lastPostAfterMs: 8_000 });
    const text = resultTable(bench([ours, naive]));

    // Assess
    expect(naive.handled).toBe(7_094);
    expect(naive.handledPerSecond).toBe(887);
    expect(naive.stalledAfterMs).toBe(8_000);
    expect(naive.cpuMsPerConnection).toBeCloseTo(1_000 / 7_094);
    expect(ratioLines(bench([ours, naive]))).toEqual(['ws-channels / naive: 2.25']);
    expect(text).toMatch(/wall time \(s\)\s+50\.0\s+8\.0 \(stalled\)/);
    expect(text).toMatch(/connections handled \/ s\s+2000\s+887/);
    expect(text).toMatch(/posts the emulator saw\s+100000\s+7094/);
    expect(text).not.toMatch(/NaN|Infinity/);
  });

  it('says n/a rather than NaN when a contender handled nothing in no time', () => {
    // Prepare: a stalled contender whose posts never reached the emulator, and one that ran for 0 ms.
    const nothingSeen = result('naive', report({ wallMs: 0, stalled: true }), {
      posts: 0,
      lastPostAfterMs: null,
    });
    const noTime = result('raw', report({ wallMs: 0 }), { posts: 0, lastPostAfterMs: null });

    // Act
    const lines = ratioLines(bench([ours, noTime, nothingSeen]));
    const text = resultTable(bench([ours, noTime, nothingSeen]));

    // Assess
    for (const figures of [nothingSeen, noTime]) {
      expect(figures.handledPerSecond).toBe(0);
      expect(figures.cpuMsPerConnection).toBe(0);
      expect(figures.dynamodbCallsPer1000).toBe(0);
    }
    expect(lines).toEqual([
      'ws-channels / raw ceiling: n/a (raw handled none)',
      'ws-channels / naive: n/a (naive handled none)',
    ]);
    expect(text).toMatch(/wall time \(s\)\s+50\.0\s+0\.0\s+0\.0 \(stalled\)/);
    expect(text).not.toMatch(/NaN|Infinity/);
  });

  it('counts what a contender that did not stall heard back from, over its wall time', () => {
    // Act
    const raw = result(
      'raw',
      report({
        wallMs: 4_000,
        counts: { ...noCounts(), delivered: 9_000, gone: 500, timedOut: 10, throttled: 90 },
      }),
      { posts: 10_100, lastPostAfterMs: 3_990 },
    );

    // Assess
    expect(raw.handled).toBe(9_600);
    expect(raw.handledPerSecond).toBe(2_400);
    expect(raw.stalledAfterMs).toBeNull();
    expect(ratioLines(bench([ours, raw]))).toEqual(['ws-channels / raw ceiling: 0.83']);
  });
});
