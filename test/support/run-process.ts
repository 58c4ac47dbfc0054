import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { hookExecutionKey } from '../../functions/aws/hook-executions.js';
import { leaseId } from '../../functions/aws/run-table.js';
import type { LifecycleHook } from '../../functions/core/ports.js';
import type { TestTables } from './tables.js';

// A suspend or resume run in a child process (run-process-child.ts runs the deployed handler),
// so that a test can kill it with SIGKILL after the Management API has seen K posts, the way a
// Lambda dies at its timeout or out of memory, and then start it again.

export type RunKind = 'suspend' | 'resume';

export interface RunProcessOptions {
  kind: RunKind;
  /** The handler's environment (see runEnvironment); added to this process's. */
  env: Record<string, string>;
  /** The event: `{}` for a manual run, or a CodeDeploy hook event. */
  event?: unknown;
  /** What context.getRemainingTimeInMillis() starts from; 900,000 by default. */
  lambdaTimeoutMs?: number;
}

export interface RunProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the handler returned, when it got that far. */
  summary?: Record<string, unknown>;
  /** What the handler threw, when it got that far. */
  error?: { name: string; message: string };
  /** The tail of its stderr, for a failure message. */
  stderr: string;
}

export interface RunProcess {
  readonly pid: number;
  readonly exited: Promise<RunProcessExit>;
  /** SIGKILL to this pid (nothing else); resolves once it has exited. */
  kill(): Promise<RunProcessExit>;
}

const childPath = fileURLToPath(new URL('./run-process-child.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The environment of a run against local parts: tables, emulators, dummy credentials. */
export function runEnvironment(parts: {
  tables: TestTables;
  /** DynamoDB Local, or a fault proxy in front of it. */
  dynamodbEndpoint: string;
  managementApiEndpoint: string;
  codeDeployEndpoint?: string;
  /** Where a run hands over to a new invocation (the Lambda emulator). */
  lambdaEndpoint?: string;
  /** POST_TIMEOUT_MS, CONCURRENCY, ... */
  settings?: Record<string, string>;
}): Record<string, string> {
  return {
    CONNECTIONS_TABLE: parts.tables.connectionsTable,
    RUNS_TABLE: parts.tables.runsTable,
    SUSPENDED_INDEX: parts.tables.suspendedIndex,
    WEBSOCKET_ENDPOINT: parts.managementApiEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: parts.dynamodbEndpoint,
    // Unused by a manual run; a closed port rather than AWS if a hook event comes without one.
    AWS_ENDPOINT_URL_CODEDEPLOY: parts.codeDeployEndpoint ?? 'http://127.0.0.1:9',
    // Likewise for a run that hands over without the Lambda emulator: never AWS.
    AWS_ENDPOINT_URL_LAMBDA: parts.lambdaEndpoint ?? 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_NAMESPACE: 'ws-channels-faults',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...parts.settings,
  };
}

export function startRunProcess(options: RunProcessOptions): RunProcess {
  const child = spawn(process.execPath, ['--import', tsxLoader, childPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      RUN_PROCESS_KIND: options.kind,
      RUN_PROCESS_EVENT: JSON.stringify(options.event ?? {}),
      RUN_PROCESS_TIMEOUT_MS: String(options.lambdaTimeoutMs ?? 900_000),
    },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the run process');
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  const exited = once(child, 'close').then(([code, signal]) => {
    const line = stdout.split('\n').find((text) => text.startsWith('RUN_RESULT '));
    const result = line ? (JSON.parse(line.slice('RUN_RESULT '.length)) as object) : {};
    return { code, signal, stderr, ...result } as RunProcessExit;
  });
  return {
    pid,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone (ESRCH): its close event follows.
        }
      }
      return exited;
    },
  };
}

export interface KilledRun {
  /** Posts the Management API had seen when the kill was sent. */
  postsAtKill: number;
  /** False when the run ended on its own before K posts. */
  killed: boolean;
  exit: RunProcessExit;
}

/**
 * Starts a run and SIGKILLs it once `posts()` (the emulator's count) reaches `k`, polling every
 * `pollMs`. Gives up after `timeoutMs`: kills the run and throws.
 */
export async function runUntilKilled(
  options: RunProcessOptions & {
    k: number;
    posts: () => number | Promise<number>;
    pollMs?: number;
    timeoutMs?: number;
  },
): Promise<KilledRun> {
  const run = startRunProcess(options);
  let ended = false;
  run.exited.then(() => {
    ended = true;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    while (!ended) {
      const posts = await options.posts();
      if (posts >= options.k) {
        const exit = await run.kill();
        return { postsAtKill: posts, killed: exit.signal === 'SIGKILL', exit };
      }
      if (Date.now() > deadline) {
        throw new Error(
          `the run made ${posts} of ${options.k} posts within ${options.timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2));
    }
    return { postsAtKill: await options.posts(), killed: false, exit: await run.exited };
  } finally {
    await run.kill();
  }
}

/**
 * Ages the lease a killed run left, as if its minute past the Lambda's timeout had gone by: the
 * next run takes it over through the same condition (`leaseUntil < :now`) as in AWS.
 */
export async function expireLease(
  documentClient: DynamoDBDocumentClient,
  tables: TestTables,
): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tables.runsTable,
      Key: { runId: leaseId },
      UpdateExpression: 'SET leaseUntil = :past',
      ConditionExpression: 'attribute_exists(runId)',
      ExpressionAttributeValues: { ':past': 0 },
    }),
  );
}

/**
 * Ages the hook claim a killed run left, as if its Lambda's time had run out: Lambda's retry
 * then takes the hook over through the same condition (`inProgressUntil < :now`) as in AWS.
 */
export async function expireHookClaim(
  documentClient: DynamoDBDocumentClient,
  tables: TestTables,
  hook: LifecycleHook,
): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tables.runsTable,
      Key: { runId: hookExecutionKey(hook) },
      UpdateExpression: 'SET inProgressUntil = :past',
      ConditionExpression: 'attribute_exists(runId)',
      ExpressionAttributeValues: { ':past': 0 },
    }),
  );
}
