import type { FunctionId, RoleId, TableId } from './ids.js';
import { defaultRuntime, type LambdaRuntime, type Tuning } from './settings.js';

// The three functions ws-channels adds to a stack, and the environment of the app's own
// WebSocket functions: handler entries, sizes, roles, and where each environment variable comes
// from. Values that are the stack's (table names, the API's endpoint, the settings) are named,
// not given: each renderer fills them in its own way (a CloudFormation intrinsic, a CDK token).

export type EnvironmentSource =
  /** A fixed value. */
  | { readonly from: 'value'; readonly value: string }
  /** The table's name. */
  | { readonly from: 'tableName'; readonly table: TableId }
  /** The @connections endpoint of this API and stage (offline: serverless-offline's). */
  | { readonly from: 'websocketEndpoint' }
  /** A setting; an unset limit is the empty string, which the functions read as unset. */
  | { readonly from: 'setting'; readonly setting: keyof Tuning };

export interface EnvironmentVariable {
  readonly name: string;
  readonly source: EnvironmentSource;
}

export interface FunctionDescription {
  readonly id: FunctionId;
  /** Its key in a Serverless service, and so the last part of its name: `{service}-{stage}-{key}`. */
  readonly key: string;
  /** The handler's module from the package root, without extension; built to dist/`entry`.js. */
  readonly entry: string;
  readonly description: string;
  /** The default; a stack's `runtime` setting chooses another of lambdaRuntimes. */
  readonly runtime: LambdaRuntime;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly role: RoleId;
  readonly environment: readonly EnvironmentVariable[];
  /** The WebSocket route it serves, if any. */
  readonly route?: string;
}

/** What every handler module exports. */
export const handlerExport = 'handler';

/** The client helper's keep-alive route (`{"action":"ws-channels.ping"}`). */
export const pingRoute = 'ws-channels.ping';

const value = (fixed: string): EnvironmentSource => ({ from: 'value', value: fixed });
const tableName = (table: TableId): EnvironmentSource => ({ from: 'tableName', table });
const setting = (key: keyof Tuning): EnvironmentSource => ({ from: 'setting', setting: key });
const websocketEndpoint: EnvironmentSource = { from: 'websocketEndpoint' };

/** The suspend and resume functions' environment (functions/config/read-config.ts reads it). */
export const runEnvironment: readonly EnvironmentVariable[] = [
  { name: 'CONNECTIONS_TABLE', source: tableName('connections') },
  { name: 'RUNS_TABLE', source: tableName('runs') },
  { name: 'SUSPENDED_INDEX', source: setting('suspendedIndex') },
  { name: 'WEBSOCKET_ENDPOINT', source: websocketEndpoint },
  { name: 'POWERTOOLS_SERVICE_NAME', source: value('ws-channels') },
  { name: 'POWERTOOLS_METRICS_NAMESPACE', source: value('ws-channels') },
  // The working set of a run is bounded (pages, batches, in-flight posts); a bounded heap keeps
  // the process's memory flat whatever the number of connections (test/bench measures it). Under
  // that bound Node 24 keeps a young generation so small that a run spent 0.76 ms of CPU per
  // connection, most of it in scavenges, against 0.29 on Node 22: 32 MB semi-spaces bring it
  // back to 0.29 (docs/benchmark.md).
  {
    name: 'NODE_OPTIONS',
    source: value('--enable-source-maps --max-old-space-size=128 --max-semi-space-size=32'),
  },
  { name: 'CONCURRENCY', source: setting('concurrency') },
  { name: 'POST_TIMEOUT_MS', source: setting('postTimeoutMs') },
  { name: 'SUSPEND_SHARDS', source: setting('suspendShards') },
  { name: 'MAX_POSTS_PER_SECOND', source: setting('maxPostsPerSecond') },
  { name: 'FAIL_ON_ERROR_RATIO', source: setting('failOnErrorRatio') },
  { name: 'RESUME_EXPECTED_WITHIN_MS', source: setting('resumeExpectedWithinMs') },
];

/**
 * What the registry middleware reads (wsChannelsRegistry), on every function of the app with a
 * WebSocket event: its own handlers register and remove connections and hold them while a
 * deployment window is open.
 */
export const appEnvironment: readonly EnvironmentVariable[] = [
  { name: 'CONNECTIONS_TABLE', source: tableName('connections') },
  { name: 'RUNS_TABLE', source: tableName('runs') },
  { name: 'NEW_CONNECTIONS_DURING_DEPLOYMENT', source: setting('newConnectionsDuringDeployment') },
  { name: 'WEBSOCKET_ENDPOINT', source: websocketEndpoint },
];

/** A run posts to every connection and signs every post: 1,769 MB is one full vCPU. */
const runSize = { runtime: defaultRuntime, memorySizeMb: 1769, timeoutSeconds: 900 } as const;

export const suspendFunction: FunctionDescription = {
  id: 'suspend',
  key: 'wsChannelsSuspend',
  entry: 'functions/handlers/suspend',
  description:
    'ws-channels: suspends every active connection (CodeDeploy BeforeAllowTraffic, or by hand).',
  ...runSize,
  role: 'run',
  environment: runEnvironment,
};

export const resumeFunction: FunctionDescription = {
  id: 'resume',
  key: 'wsChannelsResume',
  entry: 'functions/handlers/resume',
  description:
    'ws-channels: resumes every suspended connection (CodeDeploy AfterAllowTraffic, or by hand).',
  ...runSize,
  role: 'run',
  environment: runEnvironment,
};

/**
 * Its own route and function, never the app's alias: the client helper's keep-alive while
 * suspended must not reach the app or wait on a traffic shift.
 */
export const pingFunction: FunctionDescription = {
  id: 'ping',
  key: 'wsChannelsPing',
  entry: 'functions/handlers/ping',
  description: "ws-channels: the client helper's keep-alive while suspended; answers nothing.",
  runtime: defaultRuntime,
  memorySizeMb: 128,
  timeoutSeconds: 3,
  role: 'keepalive',
  environment: [{ name: 'POWERTOOLS_SERVICE_NAME', source: value('ws-channels') }],
  route: pingRoute,
};

export const wsChannelsFunctions: readonly FunctionDescription[] = [
  suspendFunction,
  resumeFunction,
  pingFunction,
];

/** Each function's key, by id: what scripts and tests invoke. */
export const functionKeys: Readonly<Record<FunctionId, string>> = {
  suspend: suspendFunction.key,
  resume: resumeFunction.key,
  ping: pingFunction.key,
};

/** What the stack's named values are to a renderer: a CloudFormation intrinsic, a CDK token. */
export interface EnvironmentValues<Value> {
  readonly tableName: (table: TableId) => Value;
  readonly websocketEndpoint: Value;
  /** A setting's value; an unset limit must render as the empty string (see EnvironmentSource). */
  readonly setting: (setting: keyof Tuning) => Value;
}

/** The variables' values in one stack, by name. */
export function renderEnvironment<Value>(
  variables: readonly EnvironmentVariable[],
  values: EnvironmentValues<Value>,
): Record<string, Value | string> {
  const resolve = ({ source }: EnvironmentVariable): Value | string => {
    switch (source.from) {
      case 'value':
        return source.value;
      case 'tableName':
        return values.tableName(source.table);
      case 'websocketEndpoint':
        return values.websocketEndpoint;
      case 'setting':
        return values.setting(source.setting);
    }
  };
  return Object.fromEntries(variables.map((variable) => [variable.name, resolve(variable)]));
}
