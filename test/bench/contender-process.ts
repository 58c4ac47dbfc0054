import { type ContenderConfig, contenders } from './contenders.js';

// One contender in a process of its own: its CPU time and peak RSS are the process's.
// Reads its config from BENCH_CONFIG; prints one line `BENCH_RESULT {json}`.

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const config = JSON.parse(process.env.BENCH_CONFIG ?? '{}') as ContenderConfig;
const run = contenders[config.name];
if (!run) throw new Error(`unknown contender ${JSON.stringify(config.name)}`);

const cpuBefore = process.cpuUsage();
const report = await run(config);
const cpu = process.cpuUsage(cpuBefore);
console.log(
  `BENCH_RESULT ${JSON.stringify({
    ...report,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // maxRSS is in kilobytes on Linux.
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}`,
);
// Posts the naive contender gave up waiting for keep their sockets open: end the process.
process.exit(0);
