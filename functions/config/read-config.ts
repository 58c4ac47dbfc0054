import {
  type NewConnectionsPolicy,
  newConnectionsPolicies,
} from '../core/registry/deployment-window.js';
import type { RunSettings } from '../core/run/state.js';
import { type Environment, EnvironmentReader } from './environment-reader.js';

export type { Environment } from './environment-reader.js';

// Configuration comes from the environment, is read once per cold start by the composition
// roots (functions/handlers/ and the registry middleware), and every problem is reported in one
// error, so a broken deployment is fixed in one round trip. This is the one module that reads
// process.env.

export interface RouteConfig {
  connectionsTable: string;
  websocketEndpoint: string;
}

/** The configuration of $connect: the registry, and the gate of the deployment window. */
export interface ConnectConfig extends RouteConfig {
  runsTable: string;
  /** What $connect does with a new connection while a deployment window is open. */
  newConnectionsDuringDeployment: NewConnectionsPolicy;
}

export interface RunConfig extends RouteConfig {
  runsTable: string;
  suspendedIndex: string;
  postTimeoutMs: number;
  concurrency: number;
  maxPostsPerSecond: number | undefined;
  suspendShards: number;
  failOnErrorRatio: number | undefined;
  /** How long after a suspend run starts its resume is expected (the suspend frame's resumeBy). */
  resumeExpectedWithinMs: number;
}

export const configDefaults = {
  suspendedIndex: 'suspended',
  postTimeoutMs: 1000,
  concurrency: 100,
  suspendShards: 16,
  resumeExpectedWithinMs: 15 * 60 * 1000,
  newConnectionsDuringDeployment: 'hold',
} as const;

function readRoute(reader: EnvironmentReader): RouteConfig {
  return {
    connectionsTable: reader.requiredString('CONNECTIONS_TABLE'),
    websocketEndpoint: reader.websocketEndpoint('WEBSOCKET_ENDPOINT'),
  };
}

/** The configuration of the $connect, $disconnect and $default handlers. */
export function readRouteConfig(environment: Environment = process.env): RouteConfig {
  const reader = new EnvironmentReader(environment);
  const config = readRoute(reader);
  reader.finish();
  return config;
}

/** The configuration of the $connect handler. */
export function readConnectConfig(environment: Environment = process.env): ConnectConfig {
  const reader = new EnvironmentReader(environment);
  const config: ConnectConfig = {
    ...readRoute(reader),
    runsTable: reader.requiredString('RUNS_TABLE'),
    newConnectionsDuringDeployment: reader.oneOf(
      'NEW_CONNECTIONS_DURING_DEPLOYMENT',
      newConnectionsPolicies,
      configDefaults.newConnectionsDuringDeployment,
    ),
  };
  reader.finish();
  return config;
}

/** What the registry middleware (wsChannelsRegistry) names; undefined where it needs none. */
export interface RegistryConfig {
  connectionsTable: string | undefined;
  runsTable: string | undefined;
  newConnectionsDuringDeployment: NewConnectionsPolicy;
}

/**
 * The registry middleware's configuration: what its options give, the rest from the
 * environment (CONNECTIONS_TABLE, RUNS_TABLE, NEW_CONNECTIONS_DURING_DEPLOYMENT). A table is
 * read only where it is needed: not where an adapter is given, and the Runs table (the
 * deployment window) not when new connections are allowed during a deployment.
 */
export function readRegistryConfig(
  given: Partial<RegistryConfig> & { hasRegistry: boolean; hasWindow: boolean },
  environment: Environment = process.env,
): RegistryConfig {
  const reader = new EnvironmentReader(environment);
  const newConnectionsDuringDeployment =
    given.newConnectionsDuringDeployment ??
    reader.oneOf(
      'NEW_CONNECTIONS_DURING_DEPLOYMENT',
      newConnectionsPolicies,
      configDefaults.newConnectionsDuringDeployment,
    );
  const needsRunsTable = !given.hasWindow && newConnectionsDuringDeployment === 'hold';
  const config: RegistryConfig = {
    connectionsTable: given.hasRegistry
      ? undefined
      : (given.connectionsTable ?? reader.requiredString('CONNECTIONS_TABLE')),
    runsTable: needsRunsTable
      ? (given.runsTable ?? reader.requiredString('RUNS_TABLE'))
      : undefined,
    newConnectionsDuringDeployment,
  };
  reader.finish();
  return config;
}

/** The configuration of the suspend and resume functions. */
export function readRunConfig(environment: Environment = process.env): RunConfig {
  const reader = new EnvironmentReader(environment);
  const config: RunConfig = {
    ...readRoute(reader),
    runsTable: reader.requiredString('RUNS_TABLE'),
    suspendedIndex: reader.optionalString('SUSPENDED_INDEX', configDefaults.suspendedIndex),
    postTimeoutMs:
      reader.integer('POST_TIMEOUT_MS', {
        min: 10,
        max: 60_000,
        fallback: configDefaults.postTimeoutMs,
      }) ?? configDefaults.postTimeoutMs,
    // A Lambda has 1,024 file descriptors; keep room for everything else.
    concurrency:
      reader.integer('CONCURRENCY', { min: 1, max: 900, fallback: configDefaults.concurrency }) ??
      configDefaults.concurrency,
    maxPostsPerSecond: reader.integer('MAX_POSTS_PER_SECOND', { min: 1, max: 100_000 }),
    suspendShards:
      reader.integer('SUSPEND_SHARDS', {
        min: 1,
        max: 256,
        fallback: configDefaults.suspendShards,
      }) ?? configDefaults.suspendShards,
    failOnErrorRatio: reader.ratio('FAIL_ON_ERROR_RATIO'),
    // At most 2 hours: API Gateway closes every connection by then, resumed or not.
    resumeExpectedWithinMs:
      reader.integer('RESUME_EXPECTED_WITHIN_MS', {
        min: 1_000,
        max: 2 * 60 * 60 * 1000,
        fallback: configDefaults.resumeExpectedWithinMs,
      }) ?? configDefaults.resumeExpectedWithinMs,
  };
  reader.finish();
  return config;
}

/** What a run takes of its function's configuration. */
export function runSettingsOf(config: RunConfig): RunSettings {
  return {
    concurrency: config.concurrency,
    timeoutMs: config.postTimeoutMs,
    maxPostsPerSecond: config.maxPostsPerSecond,
    failOnErrorRatio: config.failOnErrorRatio,
    resumeExpectedWithinMs: config.resumeExpectedWithinMs,
  };
}

/**
 * Where the IAM check of the end-to-end tests wants the functions' AWS calls
 * (WS_CHANNELS_RECORD_AWS_CALLS, a file), and the calling function's name; undefined when unset,
 * as in every deployment (functions/aws/call-recording.ts).
 */
export function readCallRecording(
  environment: Environment = process.env,
): { file: string; functionName: string } | undefined {
  const file = environment.WS_CHANNELS_RECORD_AWS_CALLS;
  // Only an absolute path turns it on: osls renders an unset `${env:…, null}` as the text "null"
  // under serverless-offline, which would have recorded into ./null on every `npm start`.
  if (file === undefined || !file.startsWith('/')) return undefined;
  return { file, functionName: environment.AWS_LAMBDA_FUNCTION_NAME ?? 'unknown' };
}
