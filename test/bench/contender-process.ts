import { writeHeapSnapshot } from 'node:v8';
import { type ContenderConfig, contenders } from './contenders.js';

// One contender in a process of its own: its CPU time and peak RSS are the process's.
// Reads its config from BENCH_CONFIG; prints one line `BENCH_RESULT {json}`.

const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as ContenderConfig;
const run = contenders[config.name];
if (!run) throw new Error(`unknown contender ${JSON.stringify(config.name)}`);

// Where the memory goes, sampled once a second: with BENCH_VERBOSE, a line every 10 s.
let peakHeapUsed = 0;
let samples = 0;
const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, memory.heapUsed);
  if (process.env.BENCH_VERBOSE && ++samples % 10 === 0) {
    const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
    process.stderr.write(
      `[memory] rss ${mb(memory.rss)} MB, heap used ${mb(memory.heapUsed)} of ${mb(memory.heapTotal)} MB, external ${mb(memory.external)} MB, array buffers ${mb(memory.arrayBuffers)} MB\n`,
    );
  }
}, 1_000);
sampler.unref();

// BENCH_HEAP_SNAPSHOTS="5000,15000": heap snapshots at those ms into the run, to see what is kept.
for (const atMs of process.env.BENCH_HEAP_SNAPSHOTS?.split(',').map(Number) ?? []) {
  setTimeout(() => {
    process.stderr.write(`[memory] heap snapshot written to ${writeHeapSnapshot()}\n`);
  }, atMs).unref();
}

const cpuBefore = process.cpuUsage();
const report = await run(config);
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
console.log(
  `BENCH_RESULT ${JSON.stringify({
    ...report,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // maxRSS is in kilobytes on Linux.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapUsedMb: peakHeapUsed / 2 ** 20,
  })}`,
);
// Posts the naive contender gave up waiting for keep their sockets open: end the process.
process.exit(0);
