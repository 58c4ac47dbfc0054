import { table } from '../../cli/table.js';
import type { ContenderReport } from './contenders.js';
import type { BenchResult, ContenderResult } from './harness.js';

// What `npm run bench` prints, computed from what the contenders reported and what the
// Management API emulator saw. No I/O here, so that the arithmetic has unit tests.

/** What the Management API emulator saw of one contender's run. */
export interface PostsSeen {
  /** Posts it received (a post the client retried counts twice). */
  posts: number;
  /** From the contender's start to the last post it received; null when it received none. */
  lastPostAfterMs: number | null;
}

export type Throughput = Pick<
  ContenderResult,
  'handled' | 'handledPerSecond' | 'stalledAfterMs' | 'cpuMsPerConnection' | 'dynamodbCallsPer1000'
>;

/**
 * A contender that stalled (the naive loop, waiting on posts that never answer) has not heard
 * back from most of what it posted, so its own counts say little: what it handled is what the
 * emulator received, over the time until the last post arrived.
 */
export function throughput(
  report: Pick<ContenderReport, 'wallMs' | 'counts' | 'stalled' | 'dynamodbCalls'> & {
    cpuMs: number;
  },
  seen: PostsSeen,
): Throughput {
  const { counts } = report;
  const stalledAfterMs = report.stalled ? (seen.lastPostAfterMs ?? 0) : null;
  const handled = report.stalled
    ? seen.posts
    : counts.delivered + counts.gone + counts.timedOut + counts.throttled + counts.failed;
  return {
    handled,
    handledPerSecond: Math.round(quotient(handled, (stalledAfterMs ?? report.wallMs) / 1000)),
    stalledAfterMs,
    cpuMsPerConnection: quotient(report.cpuMs, handled),
    dynamodbCallsPer1000: quotient(report.dynamodbCalls * 1000, handled),
  };
}

/** 0 rather than NaN or Infinity when nothing was handled or no time passed. */
function quotient(numerator: number, denominator: number): number {
  return denominator > 0 ? numerator / denominator : 0;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

export function resultTable(bench: BenchResult): string {
  const rows: Array<[string, (result: ContenderResult) => unknown]> = [
    // A stalled contender's rate is over the time until it stalled: that is the time shown.
    [
      'wall time (s)',
      (r) =>
        r.stalledAfterMs === null ? seconds(r.wallMs) : `${seconds(r.stalledAfterMs)} (stalled)`,
    ],
    ['connections handled / s', (r) => r.handledPerSecond],
    ['posts the emulator saw', (r) => r.postsSeen],
    ['CPU ms per connection', (r) => r.cpuMsPerConnection.toFixed(3)],
    ['peak RSS (MB)', (r) => r.peakRssMb.toFixed(0)],
    ['peak heap used (MB)', (r) => r.peakHeapUsedMb.toFixed(0)],
    ['DynamoDB Local CPU (s)', (r) => seconds(r.dynamodbLocalCpuMs)],
    ['emulator CPU (s)', (r) => seconds(r.emulatorCpuMs)],
    ['post latency p50 / p99 (ms)', (r) => `${r.latencyMs.p50} / ${r.latencyMs.p99}`],
    ['DynamoDB calls per 1,000', (r) => r.dynamodbCallsPer1000.toFixed(1)],
    ['delivered', (r) => r.counts.delivered],
    ['gone', (r) => r.counts.gone],
    ['timed out', (r) => r.counts.timedOut],
    ['throttled (never through)', (r) => r.counts.throttled],
    ['failed', (r) => r.counts.failed],
    ['never attempted', (r) => r.counts.neverAttempted],
    ['never answered (no timeout)', (r) => r.counts.neverAnswered],
    ['left in a wrong state', (r) => (r.wrongState ? r.wrongState.total : 'n/a')],
    [
      '  still suspended though delivered',
      (r) => r.wrongState?.stillSuspendedThoughDelivered ?? 'n/a',
    ],
    ['  resurrected', (r) => r.wrongState?.resurrected ?? 'n/a'],
    ['  never reached', (r) => r.wrongState?.neverReached ?? 'n/a'],
  ];
  return table(
    ['', ...bench.results.map((result) => result.name)],
    rows.map(([label, value]) => [label, ...bench.results.map(value)]),
  );
}

/** ws-channels' rate against each other contender that ran. */
export function ratioLines(bench: BenchResult): string[] {
  const byName = new Map(bench.results.map((result) => [result.name, result]));
  const ours = byName.get('ws-channels');
  if (!ours) return [];
  const against = [
    ['raw', 'ws-channels / raw ceiling'],
    ['store', 'ws-channels / store ceiling'],
    ['naive', 'ws-channels / naive'],
  ] as const;
  return against.flatMap(([name, label]) => {
    const other = byName.get(name);
    if (!other) return [];
    const ratio =
      other.handledPerSecond > 0
        ? (ours.handledPerSecond / other.handledPerSecond).toFixed(2)
        : `n/a (${name} handled none)`;
    return [`${label}: ${ratio}`];
  });
}
