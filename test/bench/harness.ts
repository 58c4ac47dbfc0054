import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { runEnvironment } from '../../infra/index.js';
import { startDynamoDBLocal } from '../support/dynamodb-local.js';
import { type BehaviourMix, behaviourFromMix } from '../support/management-api-behaviours.js';
import {
  type EmulatorProcess,
  startManagementApiEmulatorProcess,
} from '../support/management-api-emulator-process.js';
import { seedConnections, suspendedItem } from '../support/seed.js';
import { createTestTables, deleteTestTables, testClient } from '../support/tables.js';
import type { ContenderConfig, ContenderName, ContenderReport } from './contenders.js';
import { type PostsSeen, throughput } from './report.js';

// The machinery of `npm run bench`: DynamoDB Local and the Management API emulator (each in its
// own process), the same N suspended connections seeded afresh for each contender, each
// contender in a process of its own, and afterwards a check of every connection's final state.

export interface BenchOptions {
  n: number;
  contenders: readonly ContenderName[];
  concurrency?: number;
  timeoutMs?: number;
  latencyMs?: number;
  jitterMs?: number;
  mix?: BehaviourMix;
  seed?: number;
  shards?: number;
  onLog?: (line: string) => void;
}

export interface WrongState {
  /** Delivered, yet still marked suspended: the next resume posts to it again. */
  stillSuspendedThoughDelivered: number;
  /** Never posted to. */
  neverReached: number;
  /** Answered 410, yet still in the registry. */
  goneNotDeleted: number;
  /** Marked active though no frame got through (gone or never answered). */
  resurrected: number;
  /** Delivered more than once. */
  duplicates: number;
  /** A connection that answered, and whose item disappeared anyway. */
  lost: number;
  total: number;
}

export interface ContenderResult extends ContenderReport {
  name: ContenderName;
  cpuMs: number;
  /** CPU time DynamoDB Local and the emulator spent while this contender ran (same machine). */
  dynamodbLocalCpuMs: number;
  emulatorCpuMs: number;
  peakRssMb: number;
  /** The largest V8 heap in use, sampled once a second. */
  peakHeapUsedMb: number;
  /** Posts the Management API emulator received while this contender ran. */
  postsSeen: number;
  /** For a contender that stalled: from its start to the last post the emulator received. */
  stalledAfterMs: number | null;
  /** What it posted and heard back from; for one that stalled, the posts the emulator received. */
  handled: number;
  /** handled over the wall time, or over stalledAfterMs for one that stalled. */
  handledPerSecond: number;
  cpuMsPerConnection: number;
  dynamodbCallsPer1000: number;
  /** null for the raw client: it keeps no registry. */
  wrongState: WrongState | null;
}

export interface BenchResult {
  startedAt: string;
  machine: { cpus: number; node: string };
  setup: Required<Omit<BenchOptions, 'onLog' | 'contenders'>>;
  results: ContenderResult[];
}

export const defaultMix: BehaviourMix = { gone: 0.05, throttleOnce: 0.01, hang: 0.001 };
const idPrefix = 'benchConn';
const contenderProcess = fileURLToPath(new URL('./contender-process.ts', import.meta.url));

/** The Node flags the deployed suspend and resume functions run with (infra/functions.ts). */
export function deployedNodeOptions(): string[] {
  const options = runEnvironment.find(({ name }) => name === 'NODE_OPTIONS')?.source;
  if (options?.from !== 'value')
    throw new Error('infra/functions.ts gives the runs no NODE_OPTIONS');
  return options.value.split(' ').filter((flag) => flag.startsWith('--max-'));
}

type BenchTables = Awaited<ReturnType<typeof createTestTables>>;

export async function runBenchmark(options: BenchOptions): Promise<BenchResult> {
  const setup = {
    n: options.n,
    concurrency: options.concurrency ?? 100,
    timeoutMs: options.timeoutMs ?? 1000,
    latencyMs: options.latencyMs ?? 20,
    jitterMs: options.jitterMs ?? 5,
    mix: options.mix ?? defaultMix,
    seed: options.seed ?? 1,
    shards: options.shards ?? 16,
  };
  const log = options.onLog ?? (() => {});
  const startedAt = new Date().toISOString();
  const { cpus } = await import('node:os');
  const bundle = await bundleContenders();
  const dynamodb = await startDynamoDBLocal();
  const client = testClient(dynamodb.endpoint);
  let emulator: EmulatorProcess | undefined;
  try {
    emulator = await startManagementApiEmulatorProcess({
      latencyMs: setup.latencyMs,
      jitterMs: setup.jitterMs,
      mix: setup.mix,
      seed: setup.seed,
    });
    const behaviour = behaviourFromMix(setup.mix, setup.seed);
    const emulatorEndpoint = emulator.endpoint;
    const seed = async (n: number) => {
      const tables = await createTestTables(client);
      const ids = Array.from({ length: n }, (_, index) => `${idPrefix}${index}`);
      await seedConnections(
        client,
        tables.connectionsTable,
        // Every connection opened with a frame key, as clients with the helper do: each frame is
        // its own, the costlier case.
        ids.map((id) =>
          suspendedItem(id, 'suspend-bench', setup.shards, randomBytes(16).toString('base64url')),
        ),
        { parallel: 16 },
      );
      return tables;
    };
    const configFor = (
      name: ContenderName,
      n: number,
      tables: BenchTables | undefined,
    ): ContenderConfig => ({
      name,
      n,
      endpoint: emulatorEndpoint,
      dynamodbEndpoint: dynamodb.endpoint,
      connectionsTable: tables?.connectionsTable ?? '',
      runsTable: tables?.runsTable ?? '',
      suspendedIndex: tables?.suspendedIndex ?? '',
      shards: setup.shards,
      concurrency: setup.concurrency,
      timeoutMs: setup.timeoutMs,
      idPrefix,
    });

    // DynamoDB Local is a fresh JVM: warm its JIT up on the same reads and writes first, so that
    // the first contender does not pay for it alone.
    const warmUpN = Math.min(setup.n, 10_000);
    log(`warming DynamoDB Local up with ${warmUpN} resumes`);
    const warmUpTables = await seed(warmUpN);
    try {
      await runContenderProcess(bundle.file, configFor('store', warmUpN, warmUpTables));
    } finally {
      await deleteTestTables(client, warmUpTables);
    }

    const results: ContenderResult[] = [];
    for (const name of options.contenders) {
      let tables: BenchTables | undefined;
      try {
        if (name !== 'raw') {
          log(`${name}: seeding ${setup.n} suspended connections`);
          tables = await seed(setup.n);
        }
        await emulator.reset();
        log(`${name}: running`);
        const config = configFor(name, setup.n, tables);
        const cpuBefore = {
          dynamodb: processCpuMs(dynamodb.pid),
          emulator: processCpuMs(emulator.pid),
        };
        const { report, seen } = await watchingPosts(emulator, () =>
          runContenderProcess(bundle.file, config),
        );
        const dynamodbLocalCpuMs = processCpuMs(dynamodb.pid) - cpuBefore.dynamodb;
        const emulatorCpuMs = processCpuMs(emulator.pid) - cpuBefore.emulator;
        // The store's ceiling posts nothing: the emulator cannot say what each connection should be.
        const wrongState =
          tables && name !== 'store'
            ? checkFinalStates(
                setup.n,
                behaviour,
                await emulator.delivered(),
                await readRegistry(client, tables.connectionsTable),
              )
            : null;
        const figures = throughput(report, seen);
        results.push({
          name,
          ...report,
          dynamodbLocalCpuMs,
          emulatorCpuMs,
          postsSeen: seen.posts,
          ...figures,
          wrongState,
        });
        log(
          figures.stalledAfterMs === null
            ? `${name}: ${figures.handled} handled in ${Math.round(report.wallMs)} ms`
            : `${name}: stalled; the emulator saw ${seen.posts} posts, the last ${Math.round(figures.stalledAfterMs)} ms after the start`,
        );
      } finally {
        if (tables) await deleteTestTables(client, tables);
      }
    }
    return {
      startedAt,
      machine: { cpus: cpus().length, node: process.version },
      setup,
      results,
    };
  } finally {
    await emulator?.stop();
    client.destroy();
    await dynamodb.stop();
    bundle.remove();
  }
}

/**
 * Runs a contender while polling the emulator's count of posts, to know when the last one arrived
 * (the emulator keeps counts, not times). Times are epoch ms, as the contender's start is.
 */
async function watchingPosts<Report extends { startedAtMs: number }>(
  emulator: EmulatorProcess,
  run: () => Promise<Report>,
  everyMs = 50,
): Promise<{ report: Report; seen: PostsSeen }> {
  let posts = 0;
  let lastPostAtMs: number | null = null;
  let running = true;
  let failure: unknown;
  const poll = async () => {
    const stats = await emulator.stats();
    if (stats.totalPosts !== posts) {
      posts = stats.totalPosts;
      lastPostAtMs = Date.now();
    }
  };
  const polling = (async () => {
    while (running) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  let report: Report;
  try {
    report = await run();
  } finally {
    running = false;
  }
  await polling;
  if (failure) throw new Error('could not read the emulator stats', { cause: failure });
  // Posts after the last poll arrived before the contender's process ended, that is by now.
  await poll();
  const lastPostAfterMs =
    lastPostAtMs === null ? null : Math.max(0, lastPostAtMs - report.startedAtMs);
  return { report, seen: { posts, lastPostAfterMs } };
}

/** User + system CPU time of a process, from /proc (Linux); 0 where it cannot be read. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * Bundles the contender program with esbuild, as serverless-esbuild bundles the functions for
 * Lambda, so that it runs as plain JavaScript: no TypeScript loader in its CPU time or memory.
 */
async function bundleContenders(): Promise<{ file: string; remove(): void }> {
  const directory = mkdtempSync(join(tmpdir(), 'ws-channels-bench-'));
  const file = join(directory, 'contender.mjs');
  await build({
    entryPoints: [contenderProcess],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  return { file, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

async function runContenderProcess(
  bundle: string,
  config: ContenderConfig,
): Promise<ContenderReport & { cpuMs: number; peakRssMb: number; peakHeapUsedMb: number }> {
  // BENCH_NODE_ARGS: extra Node flags for the contenders, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArguments = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  // ws-channels runs as deployed; the naive loop and the raw client as plain Node.
  const deployed = config.name === 'ws-channels' ? deployedNodeOptions() : [];
  const child = spawn(process.execPath, [...deployed, ...nodeArguments, bundle], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    // Flags such as --trace-gc print to stdout: shown with BENCH_VERBOSE.
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-8_000);
  });
  // Bounded: a contender that runs past 30 minutes is stopped and reported as a failure.
  const limit = setTimeout(() => child.kill('SIGKILL'), 30 * 60 * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(limit);
  const line = stdout.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
  if (code !== 0 || !line) {
    throw new Error(`contender ${config.name} exited with ${code}:\n${stderr || stdout}`);
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

interface RegistryItem {
  status: string;
}

async function readRegistry(
  client: ReturnType<typeof testClient>,
  tableName: string,
): Promise<Map<string, RegistryItem>> {
  const documentClient = DynamoDBDocumentClient.from(client);
  const items = new Map<string, RegistryItem>();
  const segments = 8;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, unknown> | undefined;
      for (let page = 0; page < 100_000; page++) {
        const output = await documentClient.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            ProjectionExpression: 'connectionId, #status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of output.Items ?? []) {
          items.set(String(item.connectionId), { status: String(item.status) });
        }
        startKey = output.LastEvaluatedKey;
        if (!startKey) break;
      }
    }),
  );
  return items;
}

/** What every connection should have become, given how the emulator answered it. */
export function checkFinalStates(
  n: number,
  behaviour: (connectionId: string) => string,
  delivered: ReadonlyMap<string, number>,
  registry: ReadonlyMap<string, RegistryItem>,
): WrongState {
  const wrong: WrongState = {
    stillSuspendedThoughDelivered: 0,
    neverReached: 0,
    goneNotDeleted: 0,
    resurrected: 0,
    duplicates: 0,
    lost: 0,
    total: 0,
  };
  for (let index = 0; index < n; index++) {
    const id = `${idPrefix}${index}`;
    const expected = behaviour(id);
    const deliveries = delivered.get(id) ?? 0;
    const item = registry.get(id);
    if (deliveries > 1) wrong.duplicates++;
    if (expected === 'gone' || expected === 'goneEmpty') {
      if (item?.status === 'active') wrong.resurrected++;
      else if (item) wrong.goneNotDeleted++;
    } else if (expected === 'hang') {
      if (item?.status === 'active') wrong.resurrected++;
      else if (!item) wrong.lost++;
    } else if (deliveries === 0) {
      wrong.neverReached++;
    } else if (!item) {
      wrong.lost++;
    } else if (item.status !== 'active') {
      wrong.stillSuspendedThoughDelivered++;
    }
  }
  wrong.total =
    wrong.stillSuspendedThoughDelivered +
    wrong.neverReached +
    wrong.goneNotDeleted +
    wrong.resurrected +
    wrong.duplicates +
    wrong.lost;
  return wrong;
}
