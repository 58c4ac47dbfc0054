import { parseArgs } from 'node:util';
import {
  type BehaviourMix,
  behaviourFromMix,
  jitteredLatency,
  seededRandom,
} from './management-api-behaviours.js';
import {
  type ManagementApiEmulator,
  startManagementApiEmulator,
} from './management-api-emulator.js';

// The management API emulator in its own process, so that a benchmark measuring the CPU of
// another process is not disturbed by it. Prints one JSON line {"endpoint": ...} once listening.
//   npx tsx test/support/management-api-emulator-cli.ts --port 0 --latency 20 --jitter 5 \
//     --gone 0.05 --throttle-once 0.01 --hang 0.001 [--seed N]

const usage = `usage: management-api-emulator-cli [options]
  --port N            port on 127.0.0.1 (default 0: a free one)
  --latency MS        mean delay before answering (default 0)
  --jitter MS         latency spread, uniform in [latency - jitter, latency + jitter] (default 0)
  --seed N            seed of the per-id behaviour hash and of the jitter (default 0)
  --gone F            fraction of ids answered 410 GoneException
  --gone-empty F      fraction of ids answered 410 with an empty body (serverless-offline)
  --throttle-once F   fraction of ids answered 429 once, then 200
  --throttle F        fraction of ids always answered 429
  --error F           fraction of ids answered 500
  --hang F            fraction of ids never answered
  --forbidden F       fraction of ids answered 403
  --too-large F       fraction of ids answered 413
  --reset F           fraction of ids whose socket is destroyed without an answer
  --late F            fraction of ids delivered at once but answered only after --late-ms
  --late-ms MS        how late a 'late' answer comes (default 1100)
  --storm-ms MS       answer every post 429 for MS ms from the first post
  --exit-with-stdin   stop when stdin closes (the parent died)
  --help`;

const mixOptions = {
  gone: 'gone',
  'gone-empty': 'goneEmpty',
  'throttle-once': 'throttleOnce',
  throttle: 'throttle',
  error: 'error',
  hang: 'hang',
  forbidden: 'forbidden',
  'too-large': 'tooLarge',
  reset: 'reset',
  late: 'late',
} as const satisfies Record<string, keyof BehaviourMix>;

class UsageError extends Error {}

function parse(argv: string[]) {
  let values: ReturnType<typeof parseArgsStrict>['values'];
  try {
    values = parseArgsStrict(argv).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const number = (flag: string, raw: string | undefined, min: number, max: number) => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new UsageError(`--${flag} must be a number in [${min}, ${max}], got '${raw}'`);
    }
    return value;
  };
  const port = number('port', values.port, 0, 65_535) ?? 0;
  if (!Number.isInteger(port)) throw new UsageError(`--port must be an integer, got ${port}`);
  const mix: BehaviourMix = {};
  for (const [flag, behaviour] of Object.entries(mixOptions)) {
    const fraction = number(flag, values[flag as keyof typeof mixOptions], 0, 1);
    if (fraction !== undefined) mix[behaviour] = fraction;
  }
  const seed = number('seed', values.seed, 0, 2 ** 32 - 1) ?? 0;
  let behaviourOf: ReturnType<typeof behaviourFromMix>;
  try {
    behaviourOf = behaviourFromMix(mix, seed);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  return {
    help: values.help ?? false,
    port,
    latencyMs: number('latency', values.latency, 0, 600_000) ?? 0,
    jitterMs: number('jitter', values.jitter, 0, 600_000) ?? 0,
    lateMs: number('late-ms', values['late-ms'], 0, 600_000),
    stormMs: number('storm-ms', values['storm-ms'], 0, 600_000),
    seed,
    exitWithStdin: values['exit-with-stdin'] ?? false,
    behaviourOf,
  };
}

function parseArgsStrict(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      seed: { type: 'string' },
      gone: { type: 'string' },
      'gone-empty': { type: 'string' },
      'throttle-once': { type: 'string' },
      throttle: { type: 'string' },
      error: { type: 'string' },
      hang: { type: 'string' },
      forbidden: { type: 'string' },
      'too-large': { type: 'string' },
      reset: { type: 'string' },
      late: { type: 'string' },
      'late-ms': { type: 'string' },
      'storm-ms': { type: 'string' },
      'exit-with-stdin': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`management-api-emulator-cli: ${error.message}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const latencyMs =
    options.jitterMs > 0
      ? jitteredLatency(options.latencyMs, options.jitterMs, seededRandom(options.seed))
      : options.latencyMs;

  const emulator: ManagementApiEmulator = await startManagementApiEmulator({
    port: options.port,
    behaviourOf: options.behaviourOf,
    latencyMs,
    lateMs: options.lateMs,
    storm: options.stormMs === undefined ? undefined : { durationMs: options.stormMs },
  });

  let stopped = false;
  const shutdown = () => {
    if (stopped) return;
    stopped = true;
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`management-api-emulator-cli: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  if (options.exitWithStdin) {
    process.stdin.once('end', shutdown);
    process.stdin.once('close', shutdown);
    process.stdin.resume();
  }
  process.stdout.write(`${JSON.stringify({ endpoint: emulator.endpoint })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`management-api-emulator-cli: ${String(error)}\n`);
  process.exit(1);
});
