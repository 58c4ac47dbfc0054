// What a stack tunes ws-channels with: each setting's default and range. The Serverless plugin
// reads them from custom.wsChannels, the CDK construct will take them as props, and the functions
// check the same ranges again in their environment (functions/config/read-config.ts).

export interface IntegerSetting {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  /** undefined: unset means "no limit". */
  readonly default: number | undefined;
}

export interface RatioSetting {
  readonly kind: 'ratio';
  /** Unset means "no limit". */
  readonly default: undefined;
}

/** The Lambda runtimes the functions run on: Node 24 (the current LTS) unless a stack says 22. */
export const lambdaRuntimes = ['nodejs24.x', 'nodejs22.x'] as const;
export type LambdaRuntime = (typeof lambdaRuntimes)[number];
export const defaultRuntime: LambdaRuntime = 'nodejs24.x';

/** What $connect does with a new connection while a deployment window is open. */
export const newConnectionsPolicies = ['hold', 'allow'] as const;
export type NewConnectionsPolicy = (typeof newConnectionsPolicies)[number];

/** The numeric settings of the suspend and resume runs. */
export const runSettings = {
  /** Posts in flight; a Lambda has 1,024 file descriptors, so room is kept for the rest. */
  concurrency: { kind: 'integer', min: 1, max: 900, default: 100 },
  postTimeoutMs: { kind: 'integer', min: 10, max: 60_000, default: 1000 },
  suspendShards: { kind: 'integer', min: 1, max: 256, default: 16 },
  maxPostsPerSecond: { kind: 'integer', min: 1, max: 100_000, default: undefined },
  failOnErrorRatio: { kind: 'ratio', default: undefined },
  // At most 2 hours: API Gateway closes every connection by then, resumed or not.
  resumeExpectedWithinMs: {
    kind: 'integer',
    min: 1_000,
    max: 2 * 60 * 60 * 1000,
    default: 900_000,
  },
} as const satisfies Record<string, IntegerSetting | RatioSetting>;

export type RunSettingKey = keyof typeof runSettings;
export type IntegerSettingKey = {
  [Key in RunSettingKey]: (typeof runSettings)[Key] extends IntegerSetting ? Key : never;
}[RunSettingKey];

export const defaultNewConnectionsPolicy: NewConnectionsPolicy = 'hold';

/** The settings' values once read: what the functions' environment is rendered from. */
export interface Tuning {
  readonly suspendedIndex: string;
  readonly concurrency: number;
  readonly postTimeoutMs: number;
  readonly suspendShards: number;
  readonly maxPostsPerSecond: number | undefined;
  readonly failOnErrorRatio: number | undefined;
  readonly resumeExpectedWithinMs: number;
  readonly newConnectionsDuringDeployment: NewConnectionsPolicy;
}
