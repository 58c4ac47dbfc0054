import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { table } from '../../scripts/lib/report.js';
import type { ContenderName } from './contenders.js';
import { type BenchResult, runBenchmark } from './harness.js';

// npm run bench [-- --n 100000] [--contenders ws-channels,naive,raw,store] [--out bench-results]
// Prints a table and writes the same figures to <out>/bench-<n>-<time>.json and <out>/latest.json.

const allContenders: ContenderName[] = ['ws-channels', 'naive', 'raw', 'store'];

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '20000' },
      contenders: { type: 'string', default: allContenders.join(',') },
      concurrency: { type: 'string', default: '100' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run bench -- [--n 20000] [--contenders ws-channels,naive,raw,store] [--concurrency 100] [--out bench-results]',
    );
    process.exit(0);
  }
  const n = Number(values.n);
  if (!Number.isInteger(n) || n < 1 || n > 2_000_000) {
    throw new Error(`--n is "${values.n}"; expected a whole number from 1 to 2000000`);
  }
  const contenders = values.contenders.split(',').map((name) => name.trim());
  for (const name of contenders) {
    if (!allContenders.includes(name as ContenderName)) {
      throw new Error(`unknown contender "${name}"; expected some of ${allContenders.join(', ')}`);
    }
  }
  return {
    n,
    contenders: contenders as ContenderName[],
    concurrency: Number(values.concurrency),
    out: values.out,
  };
}

export function resultTable(bench: BenchResult): string {
  const rows: Array<[string, (result: BenchResult['results'][number]) => unknown]> = [
    ['wall time (s)', (r) => (r.wallMs / 1000).toFixed(1)],
    ['connections handled / s', (r) => r.handledPerSecond],
    ['CPU ms per connection', (r) => r.cpuMsPerConnection.toFixed(3)],
    ['peak RSS (MB)', (r) => r.peakRssMb.toFixed(0)],
    ['peak heap used (MB)', (r) => r.peakHeapUsedMb.toFixed(0)],
    ['DynamoDB Local CPU (s)', (r) => (r.dynamodbLocalCpuMs / 1000).toFixed(1)],
    ['emulator CPU (s)', (r) => (r.emulatorCpuMs / 1000).toFixed(1)],
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

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { n, contenders, concurrency, out } = options();
  const bench = await runBenchmark({
    n,
    contenders,
    concurrency,
    onLog: (line) => console.error(`[bench] ${line}`),
  });
  const { setup } = bench;
  console.log(
    `\nN = ${setup.n} suspended connections; emulator latency ${setup.latencyMs} ± ${setup.jitterMs} ms, ` +
      `${JSON.stringify(setup.mix)}; ${setup.concurrency} in flight; ${bench.machine.cpus} CPUs, Node ${bench.machine.node}\n`,
  );
  console.log(resultTable(bench));
  for (const result of bench.results) {
    if (result.note) console.log(`${result.name}: ${result.note}`);
  }
  const byName = new Map(bench.results.map((result) => [result.name, result]));
  const ours = byName.get('ws-channels');
  const naive = byName.get('naive');
  const raw = byName.get('raw');
  const store = byName.get('store');
  if (ours && raw)
    console.log(
      `ws-channels / raw ceiling: ${(ours.handledPerSecond / raw.handledPerSecond).toFixed(2)}`,
    );
  if (ours && store)
    console.log(
      `ws-channels / store ceiling: ${(ours.handledPerSecond / store.handledPerSecond).toFixed(2)}`,
    );
  if (ours && naive)
    console.log(
      `ws-channels / naive: ${(ours.handledPerSecond / naive.handledPerSecond).toFixed(2)}`,
    );
  mkdirSync(out, { recursive: true });
  const json = JSON.stringify(bench, null, 2);
  const file = `${out}/bench-${setup.n}-${bench.startedAt.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, json);
  writeFileSync(`${out}/latest.json`, json);
  console.log(`\nWritten to ${file} and ${out}/latest.json`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
