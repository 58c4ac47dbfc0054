// What a stack tunes ws-channels with: each setting's default and range. The Serverless plugin
// reads them from custom.wsChannels, the CDK construct will take them as props, and the functions
// check the same ranges again in their environment (functions/config/read-config.ts).

export interface IntegerSetting {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  /** undefined: unset means "no limit". */
  readonly default: number | undefined;
  /** The empty string unsets it even though it has a default (e.g. no reserved concurrency). */
  readonly emptyUnsets?: true;
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

/**
 * The numeric settings of what ws-channels adds to the stack around the functions (see
 * infra/invocation.ts and infra/stage.ts for what each is for).
 */
export const stackSettings = {
  /**
   * Reserved concurrency of suspend and of resume, each: an app flood cannot starve the hooks of
   * Lambda's concurrency, and a run that hands over, a sibling deployment's hook waiting for the
   * lease and a console run still fit. '' reserves none (an account with a low concurrency
   * quota cannot reserve any).
   */
  reservedConcurrency: { kind: 'integer', min: 1, max: 1000, default: 5, emptyUnsets: true },
  /** The stage's default route throttling: requests per second, steady, over every route. */
  throttlingRateLimit: { kind: 'integer', min: 1, max: 10_000, default: 1000 },
  /** ... and the burst (the token bucket's size). */
  throttlingBurstLimit: { kind: 'integer', min: 1, max: 5000, default: 500 },
} as const satisfies Record<string, IntegerSetting>;

/** Every numeric setting, by key: what the Serverless plugin reads from custom.wsChannels. */
export const numericSettings = { ...runSettings, ...stackSettings } as const;

export type RunSettingKey = keyof typeof runSettings;
export type NumericSettingKey = keyof typeof numericSettings;
export type IntegerSettingKey = {
  [Key in NumericSettingKey]: (typeof numericSettings)[Key] extends IntegerSetting ? Key : never;
}[NumericSettingKey];

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
