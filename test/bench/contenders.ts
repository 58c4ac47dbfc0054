import { Agent, request } from 'node:http';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { managementApiClient } from '../../functions/aws/management-api.js';
import { DynamoDBResumeStore } from '../../functions/aws/resume-store.js';
import { DynamoDBRunLease, DynamoDBRunRecords } from '../../functions/aws/run-table.js';
import { SignedManagementApiPoster } from '../../functions/aws/signed-poster.js';
import { parseInvocation } from '../../functions/core/invocation/parse.js';
import type { Logger, MessagePoster } from '../../functions/core/ports.js';
import { systemClock } from '../../functions/core/ports.js';
import { runChannels } from '../../functions/core/run/run-channels.js';

// The contenders of `npm run bench` (three, and the store's ceiling to explain the figures).
// Each runs in a process of its own (contender-process.ts) so that its CPU time and peak RSS are
// its own; each returns what it saw.

export type ContenderName = 'ws-channels' | 'naive' | 'raw' | 'store';

export interface ContenderConfig {
  name: ContenderName;
  n: number;
  /** The Management API emulator. */
  endpoint: string;
  dynamodbEndpoint: string;
  connectionsTable: string;
  runsTable: string;
  suspendedIndex: string;
  shards: number;
  concurrency: number;
  timeoutMs: number;
  /** The ids the raw client posts to (it reads no table). */
  idPrefix: string;
}

export interface ContenderCounts {
  delivered: number;
  gone: number;
  timedOut: number;
  throttled: number;
  failed: number;
  /** Never posted to: the contender never saw them, or stopped before. */
  neverAttempted: number;
  /** Posted to, never answered, and never given up on (no timeout). */
  neverAnswered: number;
}

export interface ContenderReport {
  /** When it started (epoch ms), to place what the emulator saw on the same time line. */
  startedAtMs: number;
  /** From the first read to the last answer. */
  wallMs: number;
  /** It gave up waiting on posts that never answer (the naive loop has no timeout). */
  stalled?: boolean;
  counts: ContenderCounts;
  latencyMs: { p50: number; p99: number };
  dynamodbCalls: number;
  note?: string;
}

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

export const noCounts = (): ContenderCounts => ({
  delivered: 0,
  gone: 0,
  timedOut: 0,
  throttled: 0,
  failed: 0,
  neverAttempted: 0,
  neverAnswered: 0,
});
const region = 'us-east-1';

function countingDynamoDBClient(config: ContenderConfig): {
  client: DynamoDBClient;
  calls: () => number;
} {
  let calls = 0;
  const client = new DynamoDBClient({ endpoint: config.dynamodbEndpoint, region, credentials });
  client.middlewareStack.add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countCalls' },
  );
  return { client, calls: () => calls };
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
// BENCH_VERBOSE=1 shows the run's own log lines (progress every 5 s) on stderr.
const runLogger: Logger = process.env.BENCH_VERBOSE
  ? {
      debug() {},
      info: (message, fields) =>
        console.error(new Date().toISOString(), message, JSON.stringify(fields ?? {})),
      warn: (message, fields) =>
        console.error(new Date().toISOString(), message, JSON.stringify(fields ?? {})),
      error: (message, fields) =>
        console.error(new Date().toISOString(), message, JSON.stringify(fields ?? {})),
    }
  : silentLogger;

/** Quantiles of a list of latencies (only the two baselines keep them; they are small). */
function quantiles(latencies: number[]): { p50: number; p99: number } {
  if (latencies.length === 0) return { p50: 0, p99: 0 };
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
  return { p50: at(0.5), p99: at(0.99) };
}

/** (a) ws-channels resume, the full path: index read, posts, result writes, run record. */
async function wsChannels(config: ContenderConfig): Promise<ContenderReport> {
  const sdkClient = managementApiClient({
    endpoint: config.endpoint,
    clientConfig: { region, credentials },
  });
  const poster = new SignedManagementApiPoster({
    endpoint: config.endpoint,
    client: sdkClient,
    maxSockets: config.concurrency,
  });
  try {
    return await resumeRun(config, poster);
  } finally {
    poster.destroy();
  }
}

/**
 * (d) The ceiling of the store: the same resume run with a Management API that delivers every
 * frame at once (no network, no signing). What is left is the index read and one conditional
 * write per connection, so its rate is what DynamoDB (here DynamoDB Local) allows.
 */
async function store(config: ContenderConfig): Promise<ContenderReport> {
  return resumeRun(config, { post: async () => undefined });
}

async function resumeRun(config: ContenderConfig, poster: MessagePoster): Promise<ContenderReport> {
  const { client, calls } = countingDynamoDBClient(config);
  const startedAtMs = Date.now();
  const started = performance.now();
  const summary = await runChannels({
    kind: 'resume',
    invocation: parseInvocation({}),
    settings: {
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
      maxPostsPerSecond: undefined,
      failOnErrorRatio: undefined,
    },
    store: new DynamoDBResumeStore({
      client,
      tableName: config.connectionsTable,
      indexName: config.suspendedIndex,
      shards: config.shards,
      logger: silentLogger,
    }),
    poster,
    lease: new DynamoDBRunLease({ client, tableName: config.runsTable, clock: systemClock }),
    records: new DynamoDBRunRecords({ client, tableName: config.runsTable, clock: systemClock }),
    logger: runLogger,
    clock: systemClock,
    remainingTimeMs: () => 15 * 60 * 1000,
  });
  const wallMs = performance.now() - started;
  client.destroy();
  const { counts } = summary;
  return {
    startedAtMs,
    wallMs,
    counts: {
      delivered: counts.delivered,
      gone: counts.gone,
      timedOut: counts.timedOut,
      throttled: counts.throttled,
      failed: counts.failed,
      neverAttempted: config.n - (counts.total - counts.remaining),
      neverAnswered: 0,
    },
    latencyMs: { p50: summary.latencyMs.p50, p99: summary.latencyMs.p99 },
    dynamodbCalls: calls(),
    note: `${summary.state}, outcome ${summary.outcome}, unrecorded ${summary.unrecorded}`,
  };
}

/**
 * (b) The naive approach of aws-samples/simple-websockets-chat-app (sendmessage/app.js), in SDK
 * v3: one Scan without pagination, Promise.all over every post with a default client, delete on
 * 410. It has no timeout: posts that never answer keep it waiting until the Lambda times out; the
 * bench stops waiting once nothing has settled for `stallMs` and reports them as never answered.
 */
async function naive(config: ContenderConfig, stallMs = 5_000): Promise<ContenderReport> {
  const { client, calls } = countingDynamoDBClient(config);
  const ddb = DynamoDBDocumentClient.from(client);
  const apigwManagementApi = new ApiGatewayManagementApiClient({
    endpoint: config.endpoint,
    region,
    credentials,
  });
  const postData = JSON.stringify({ type: 'resume' });
  const counts = noCounts();
  const latencies: number[] = [];
  const startedAtMs = Date.now();
  const started = performance.now();
  let lastSettledAt = started;

  const connectionData = await ddb.send(
    new ScanCommand({ TableName: config.connectionsTable, ProjectionExpression: 'connectionId' }),
  );
  const items = connectionData.Items ?? [];
  counts.neverAttempted = config.n - items.length;
  let settled = 0;
  const postCalls = items.map(async ({ connectionId }) => {
    const postedAt = performance.now();
    try {
      await apigwManagementApi.send(
        new PostToConnectionCommand({ ConnectionId: String(connectionId), Data: postData }),
      );
      counts.delivered++;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 410) {
        counts.gone++;
        await ddb.send(
          new DeleteCommand({ TableName: config.connectionsTable, Key: { connectionId } }),
        );
      } else {
        if (status === 429) counts.throttled++;
        else counts.failed++;
        throw e;
      }
    } finally {
      settled++;
      lastSettledAt = performance.now();
      latencies.push(lastSettledAt - postedAt);
    }
  });
  let outcome = 'all settled';
  await new Promise<void>((resolve) => {
    Promise.all(postCalls).then(
      () => resolve(),
      (error: unknown) => {
        // As written, the sample answers 500 at the first non-410 error.
        outcome = `rejected: ${(error as Error).name}`;
        resolve();
      },
    );
    // Quiet since the last post settled, or since the process was last too busy to see an
    // answer: handing thousands of posts to the SDK at once keeps it busy for seconds (a run at
    // N = 100,000 was taken for stalled before its first post went out).
    let quietSince = performance.now();
    let lastTickAt = quietSince;
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - lastTickAt > 1_000) quietSince = now;
      lastTickAt = now;
      if (now - Math.max(quietSince, lastSettledAt) > stallMs) {
        outcome = 'stalled';
        clearInterval(watchdog);
        resolve();
      }
    }, 250);
    watchdog.unref();
  });
  counts.neverAnswered = items.length - settled;
  const wallMs = lastSettledAt - started;
  apigwManagementApi.destroy();
  client.destroy();
  return {
    startedAtMs,
    wallMs,
    stalled: outcome === 'stalled',
    counts,
    latencyMs: quantiles(latencies),
    dynamodbCalls: calls(),
    note: `${outcome}; scanned ${items.length} of ${config.n}`,
  };
}

/**
 * (c) The ceiling of the wire: a keep-alive node:http client posting the same N requests,
 * unsigned, with the same number in flight and the same timeout, no DynamoDB.
 */
async function raw(config: ContenderConfig): Promise<ContenderReport> {
  const endpoint = new URL(config.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: config.concurrency });
  const body = Buffer.from(JSON.stringify({ type: 'resume' }));
  const counts = noCounts();
  const latencies: number[] = [];
  const postOnce = (id: string) =>
    new Promise<number>((resolve) => {
      const outgoing = request(
        {
          agent,
          method: 'POST',
          hostname: endpoint.hostname,
          port: endpoint.port,
          path: `/@connections/${encodeURIComponent(id)}`,
          headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
          signal: AbortSignal.timeout(config.timeoutMs),
        },
        (response) => {
          response.resume();
          response.once('end', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.once('error', () => resolve(0));
      outgoing.end(body);
    });
  let next = 0;
  const startedAtMs = Date.now();
  const started = performance.now();
  const worker = async () => {
    while (next < config.n) {
      const id = `${config.idPrefix}${next++}`;
      const postedAt = performance.now();
      const status = await postOnce(id);
      latencies.push(performance.now() - postedAt);
      if (status >= 200 && status < 300) counts.delivered++;
      else if (status === 410) counts.gone++;
      else if (status === 429) counts.throttled++;
      else if (status === 0) counts.timedOut++;
      else counts.failed++;
    }
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  const wallMs = performance.now() - started;
  agent.destroy();
  return { startedAtMs, wallMs, counts, latencyMs: quantiles(latencies), dynamodbCalls: 0 };
}

export const contenders: Record<
  ContenderName,
  (config: ContenderConfig) => Promise<ContenderReport>
> = {
  'ws-channels': wsChannels,
  naive,
  raw,
  store,
};
