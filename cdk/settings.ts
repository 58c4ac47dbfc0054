import { Token } from 'aws-cdk-lib';
import {
  defaultNewConnectionsPolicy,
  defaultRuntime,
  defaultSuspendedIndexName,
  type IntegerSettingKey,
  type LambdaRuntime,
  lambdaRuntimes,
  type NewConnectionsPolicy,
  newConnectionsPolicies,
  numericSettings,
  type Tuning,
} from '../infra/index.js';

// The settings of the README's Configuration table (docs/configuration.md) as the construct's
// props: their defaults and ranges are infra/settings.ts's, and a wrong one fails the synth with
// every problem named in one message, as the plugin's settings do.

/** The tuning of suspend, resume and the registry: each prop is optional. */
export interface WsChannelsTuningProps {
  /** The runtime of suspend, resume and ping: 'nodejs24.x' or 'nodejs22.x'. @default 'nodejs24.x' */
  readonly runtime?: LambdaRuntime;
  /** The sparse index of suspended connections (`SUSPENDED_INDEX`). @default 'suspended' */
  readonly suspendedIndex?: string;
  /** Posts in flight (`CONCURRENCY`), 1 to 900. @default 100 */
  readonly concurrency?: number;
  /** Timeout of one post in milliseconds (`POST_TIMEOUT_MS`), 10 to 60000. @default 1000 */
  readonly postTimeoutMs?: number;
  /** Shards of the suspended index (`SUSPEND_SHARDS`), 1 to 256. @default 16 */
  readonly suspendShards?: number;
  /** A rate cap (`MAX_POSTS_PER_SECOND`), 1 to 100000. @default no cap */
  readonly maxPostsPerSecond?: number;
  /** CodeDeploy gets `Failed` past this ratio of failed posts (`FAIL_ON_ERROR_RATIO`), 0 to 1. @default none */
  readonly failOnErrorRatio?: number;
  /** The suspend frame's `resumeBy` is the run's start plus this (`RESUME_EXPECTED_WITHIN_MS`). @default 900000 */
  readonly resumeExpectedWithinMs?: number;
  /** What `$connect` does while a deployment window is open (`NEW_CONNECTIONS_DURING_DEPLOYMENT`). @default 'hold' */
  readonly newConnectionsDuringDeployment?: NewConnectionsPolicy;
  /** Reserved concurrency of suspend and of resume, each, 1 to 1000; null reserves none. @default 5 */
  readonly reservedConcurrency?: number | null;
  /** The stage's default route throttling, requests per second, 1 to 10000. @default 1000 */
  readonly throttlingRateLimit?: number;
  /** Its burst, 1 to 5000. @default 500 */
  readonly throttlingBurstLimit?: number;
  /** The stage's access log, to a log group of its own (needs the account's API Gateway CloudWatch Logs role). @default true */
  readonly accessLogging?: boolean;
}

/** What the construct sets around the functions: the hooks' concurrency, the stage. */
export interface StackTuning {
  readonly reservedConcurrency: number | undefined;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogging: boolean;
}

// DynamoDB's rule for index names.
const DYNAMODB_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/**
 * The tuning the functions' environment is rendered from, with every problem of the props.
 * A token (a value known only at deploy time) is taken as it is: the functions check it again.
 */
export function readTuning(props: WsChannelsTuningProps): {
  tuning: Tuning;
  stack: StackTuning;
  runtime: LambdaRuntime;
  problems: string[];
} {
  const problems: string[] = [];
  const runtime = props.runtime ?? defaultRuntime;
  if (!lambdaRuntimes.includes(runtime)) {
    problems.push(`runtime is "${runtime}"; expected one of ${lambdaRuntimes.join(', ')}`);
  }
  const integer = <Key extends IntegerSettingKey>(
    key: Key,
  ): number | (typeof numericSettings)[Key]['default'] => {
    const { min, max, default: fallback } = numericSettings[key];
    const value = props[key] ?? undefined;
    if (value === undefined || Token.isUnresolved(value)) return value ?? fallback;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key} is ${value}; expected a whole number from ${min} to ${max}`);
    }
    return value;
  };
  const ratio = props.failOnErrorRatio;
  if (ratio !== undefined && !Token.isUnresolved(ratio) && !(ratio >= 0 && ratio <= 1)) {
    problems.push(`failOnErrorRatio is ${ratio}; expected a number from 0 to 1 (e.g. 0.05)`);
  }
  const suspendedIndex = props.suspendedIndex ?? defaultSuspendedIndexName;
  if (!Token.isUnresolved(suspendedIndex) && !DYNAMODB_NAME.test(suspendedIndex)) {
    problems.push(
      `suspendedIndex is "${suspendedIndex}"; expected an index name (3 to 255 of A-Z a-z 0-9 _ . -)`,
    );
  }
  const policy = props.newConnectionsDuringDeployment ?? defaultNewConnectionsPolicy;
  if (!newConnectionsPolicies.includes(policy)) {
    problems.push(
      `newConnectionsDuringDeployment is "${policy}"; expected one of ${newConnectionsPolicies.join(', ')}`,
    );
  }
  const tuning: Tuning = {
    suspendedIndex,
    concurrency: integer('concurrency'),
    postTimeoutMs: integer('postTimeoutMs'),
    suspendShards: integer('suspendShards'),
    maxPostsPerSecond: integer('maxPostsPerSecond'),
    failOnErrorRatio: ratio,
    resumeExpectedWithinMs: integer('resumeExpectedWithinMs'),
    newConnectionsDuringDeployment: policy,
  };
  const stack: StackTuning = {
    reservedConcurrency:
      props.reservedConcurrency === null ? undefined : integer('reservedConcurrency'),
    throttlingRateLimit: integer('throttlingRateLimit'),
    throttlingBurstLimit: integer('throttlingBurstLimit'),
    accessLogging: props.accessLogging ?? true,
  };
  return { tuning, stack, runtime, problems };
}

/** Props the construct cannot render: every problem named, with the construct's path. */
export class WsChannelsPropsError extends Error {
  constructor(path: string, problems: readonly string[]) {
    super(`ws-channels (${path}): ${problems.join('; ')}`);
    this.name = 'WsChannelsPropsError';
  }
}
