import { ConfigurationError } from '../core/errors.js';
import {
  type NewConnectionsPolicy,
  newConnectionsPolicies,
} from '../core/registry/deployment-window.js';
import type { RunSettings } from '../core/run/state.js';

// Configuration comes from the environment, is read once per cold start by the composition
// roots (functions/handlers/ and the registry middleware), and every problem is reported in one error, so a broken deployment
// is fixed in one round trip. This is the one module that reads process.env.

export type Environment = Readonly<Record<string, string | undefined>>;

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

class EnvironmentReader {
  readonly problems: string[] = [];
  constructor(private readonly environment: Environment) {}

  requiredString(name: string): string {
    const value = this.environment[name]?.trim();
    if (!value) {
      this.problems.push(`${name} is not set`);
      return '';
    }
    return value;
  }

  optionalString(name: string, fallback: string): string {
    return this.environment[name]?.trim() || fallback;
  }

  /**
   * The value of a numeric variable, trimmed; undefined when unset or empty. A value of only
   * spaces is not taken as unset: it comes back as is, to be reported.
   */
  #numeric(name: string): string | undefined {
    const raw = this.environment[name];
    if (raw === undefined || raw === '') return undefined;
    return raw.trim() || raw;
  }

  integer(
    name: string,
    range: { min: number; max: number; fallback?: number },
  ): number | undefined {
    const raw = this.#numeric(name);
    if (raw === undefined) return range.fallback;
    // Plain decimal digits only: Number() would also take "0x10", "1e2", "0b11" and "+5".
    const value = decimalDigits.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      this.problems.push(
        `${name} is "${raw}"; expected a whole number from ${range.min} to ${range.max} in decimal digits`,
      );
      return range.fallback;
    }
    return value;
  }

  ratio(name: string): number | undefined {
    const raw = this.#numeric(name);
    if (raw === undefined) return undefined;
    const value = decimalFraction.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= 0 && value <= 1)) {
      this.problems.push(`${name} is "${raw}"; expected a number from 0 to 1 (e.g. 0.05)`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.environment[name]?.trim();
    if (!raw) return fallback;
    const value = allowed.find((candidate) => candidate === raw);
    if (value === undefined) {
      this.problems.push(`${name} is "${raw}"; expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value;
  }

  websocketEndpoint(name: string): string {
    const raw = this.requiredString(name);
    if (!raw) return '';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.problems.push(`${name} is "${raw}"; expected ${endpointForm}`);
      return '';
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.problems.push(`${name} is "${raw}"; expected ${endpointForm}`);
      return '';
    }
    // On AWS the stage is part of the callback URL; without it every post answers 403.
    if (url.hostname.endsWith('.amazonaws.com') && url.pathname.replace(/\/+$/, '') === '') {
      this.problems.push(`${name} is "${raw}" and has no stage path; expected ${endpointForm}`);
      return '';
    }
    return raw.replace(/\/+$/, '');
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems);
  }
}

const decimalDigits = /^[0-9]+$/;
/** `0.05`, `.5`, `1`: no sign, no exponent, no hex, no `Infinity`. */
const decimalFraction = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

const endpointForm =
  'https://{apiId}.execute-api.{region}.amazonaws.com/{stage} (offline: http://localhost:3001)';

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
