import {
  defaultAlias,
  defaultNewConnectionsPolicy,
  defaultRuntime,
  defaultSuspendedIndexName,
  defaultTrafficShifting,
  type LambdaRuntime,
  lambdaRuntimes,
  newConnectionsPolicies,
  type TrafficShifting,
  type Tuning,
  trafficShiftingTypes,
} from '../infra/index.js';
import { readAppSetting } from './app-setting.js';
import { type Intrinsic, isPlainObject } from './cloudformation.js';
import type { FunctionDefinition } from './serverless.js';
import { SETTINGS_PATH, SettingsReader, shown } from './settings-reader.js';

// The settings of the ws-channels Serverless plugin (`custom.wsChannels`), checked once, with
// every problem listed in one message: a team fixes its serverless.yml in one round trip, as the
// functions' own configuration does (functions/config/read-config.ts, whose ranges these follow).

export interface Settings extends Tuning {
  /** The functions CodeDeploy deploys, each a deployment group with suspend and resume as hooks. */
  readonly app: readonly string[];
  readonly existingTables: boolean;
  readonly connectionsTable: string;
  readonly runsTable: string;
  readonly trafficShifting: TrafficShifting;
  readonly alias: string;
  readonly websocketEndpoint: string | Intrinsic | undefined;
  /** The runtime of ws-channels' functions. */
  readonly runtime: LambdaRuntime;
  /** Of suspend and of resume, each; undefined: none reserved. */
  readonly reservedConcurrency: number | undefined;
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogging: boolean;
  /** The route key the API's route selection expression gives the keep-alive ping, if not ours. */
  readonly pingRouteKey: string | undefined;
}

export const KNOWN_KEYS = [
  'app',
  'connectionsTable',
  'runsTable',
  'existingTables',
  'suspendedIndex',
  'trafficShifting',
  'alias',
  'concurrency',
  'postTimeoutMs',
  'suspendShards',
  'maxPostsPerSecond',
  'failOnErrorRatio',
  'resumeExpectedWithinMs',
  'newConnectionsDuringDeployment',
  'websocketEndpoint',
  'runtime',
  'reservedConcurrency',
  'throttlingRateLimit',
  'throttlingBurstLimit',
  'accessLogging',
  'pingRouteKey',
] as const;

// DynamoDB's rules for table and index names.
const DYNAMODB_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
// The alias is part of the canary plugin's logical id (`<Function>Alias<alias>`): alphanumeric.
const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
// A route key of the app's own: not one of API Gateway's $-routes.
const ROUTE_KEY = /^[^$\s][^\s]{0,127}$/;

/** What the settings are read against: the service's name, its stage, its functions. */
export interface ServiceShape {
  readonly name: string;
  readonly stage: string;
  readonly functions: Readonly<Record<string, FunctionDefinition>>;
}

/**
 * Reads `custom.wsChannels` against the service it belongs to.
 *
 * @param raw the value of custom.wsChannels (anything: it is what the user wrote)
 * @returns the settings (undefined when custom.wsChannels is no object) and every problem, each
 *   naming its key
 */
export function readSettings(
  raw: unknown,
  service: ServiceShape,
): { settings: Settings | undefined; problems: string[] } {
  if (!isPlainObject(raw)) {
    const what = raw === undefined ? 'not set' : shown(raw);
    return {
      settings: undefined,
      problems: [
        `${SETTINGS_PATH} is ${what}; expected an object with at least \`app\`, the function that serves your WebSocket routes`,
      ],
    };
  }
  const reader = new SettingsReader(raw);
  const problems = reader.problems;
  const known: readonly string[] = KNOWN_KEYS;
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      problems.push(
        `${SETTINGS_PATH}.${key} is not a setting of ws-channels; expected one of ${KNOWN_KEYS.join(', ')}`,
      );
    }
  }
  const app = readAppSetting(raw.app, service.functions);
  problems.push(...app.problems);

  const existingTables = reader.boolean('existingTables', false);
  const tableName = 'a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)';
  const prefix = `${service.name}-${service.stage}-ws-channels`;
  for (const key of ['connectionsTable', 'runsTable']) {
    if (existingTables && (raw[key] === undefined || raw[key] === null || raw[key] === '')) {
      problems.push(
        `${SETTINGS_PATH}.${key} is not set; expected the name of the existing table, since existingTables is true`,
      );
    }
  }

  const settings: Settings = {
    app: app.app,
    existingTables,
    connectionsTable: reader.name(
      'connectionsTable',
      DYNAMODB_NAME,
      tableName,
      `${prefix}-connections`,
    ),
    runsTable: reader.name('runsTable', DYNAMODB_NAME, tableName, `${prefix}-runs`),
    suspendedIndex: reader.name(
      'suspendedIndex',
      DYNAMODB_NAME,
      'an index name (3 to 255 of A-Z a-z 0-9 _ . -)',
      defaultSuspendedIndexName,
    ),
    trafficShifting: reader.oneOf('trafficShifting', trafficShiftingTypes, defaultTrafficShifting),
    alias: reader.name(
      'alias',
      ALIAS_NAME,
      'a Lambda alias name of letters and digits, starting with a letter (e.g. Live)',
      defaultAlias,
    ),
    concurrency: reader.integer('concurrency'),
    postTimeoutMs: reader.integer('postTimeoutMs'),
    suspendShards: reader.integer('suspendShards'),
    maxPostsPerSecond: reader.integer('maxPostsPerSecond'),
    failOnErrorRatio: reader.ratio('failOnErrorRatio'),
    resumeExpectedWithinMs: reader.integer('resumeExpectedWithinMs'),
    newConnectionsDuringDeployment: reader.oneOf(
      'newConnectionsDuringDeployment',
      newConnectionsPolicies,
      defaultNewConnectionsPolicy,
    ),
    websocketEndpoint: reader.endpoint('websocketEndpoint'),
    runtime: reader.oneOf('runtime', lambdaRuntimes, defaultRuntime),
    reservedConcurrency: reader.integer('reservedConcurrency'),
    throttlingRateLimit: reader.integer('throttlingRateLimit'),
    throttlingBurstLimit: reader.integer('throttlingBurstLimit'),
    accessLogging: reader.boolean('accessLogging', true),
    pingRouteKey:
      raw.pingRouteKey === undefined || raw.pingRouteKey === null
        ? undefined
        : reader.name(
            'pingRouteKey',
            ROUTE_KEY,
            'a route key without spaces, not starting with $',
            '',
          ) || undefined,
  };
  if (settings.connectionsTable === settings.runsTable) {
    problems.push(
      `${SETTINGS_PATH}.runsTable is "${settings.runsTable}", the same as connectionsTable; expected a table of its own`,
    );
  }
  return { settings, problems };
}

/** The one message that lists every problem. */
export function describeProblems(problems: readonly string[]): string {
  return [
    `ws-channels: ${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} wrong:`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join('\n');
}
