import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ContenderName } from './contenders.js';
import { runBenchmark } from './harness.js';
import { ratioLines, resultTable } from './report.js';

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

async function main() {
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
  for (const line of ratioLines(bench)) console.log(line);
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
