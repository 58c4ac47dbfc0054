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
import { type Intrinsic, isPlainObject } from './cloudformation.js';
import type { FunctionDefinition } from './serverless.js';
import { SETTINGS_PATH, SettingsReader, shown } from './settings-reader.js';

// The settings of the ws-channels Serverless plugin (`custom.wsChannels`), checked once, with
// every problem listed in one message: a team fixes its serverless.yml in one round trip, as the
// functions' own configuration does (functions/config/read-config.ts, whose ranges these follow).

export interface Settings extends Tuning {
  /** The function CodeDeploy deploys. */
  readonly app: string;
  readonly existingTables: boolean;
  readonly connectionsTable: string;
  readonly runsTable: string;
  readonly trafficShifting: TrafficShifting;
  readonly alias: string;
  readonly websocketEndpoint: string | Intrinsic | undefined;
  /** The runtime of ws-channels' functions. */
  readonly runtime: LambdaRuntime;
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
] as const;

// DynamoDB's rules for table and index names.
const DYNAMODB_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
// The alias is part of the canary plugin's logical id (`<Function>Alias<alias>`): alphanumeric.
const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9]{0,127}$/;

/** Whether a function configuration has at least one `websocket` event. */
export const hasWebsocketEvent = (definition: FunctionDefinition | undefined): boolean =>
  Array.isArray(definition?.events) &&
  definition.events.some((event) => isPlainObject(event) && event.websocket !== undefined);

/** What the settings are read against: the service's name, its stage, its functions. */
export interface ServiceShape {
  readonly name: string;
  readonly stage: string;
  readonly functions: Readonly<Record<string, FunctionDefinition>>;
}

/** The problems of `app`: it must name a function with websocket events and no deploymentSettings. */
function appProblems(app: unknown, functions: ServiceShape['functions']): string[] {
  const functionNames = Object.keys(functions);
  const withWebsocket = functionNames.filter((name) => hasWebsocketEvent(functions[name]));
  const candidates = withWebsocket.length > 0 ? withWebsocket.join(', ') : '(none)';
  if (app === undefined || app === null || app === '') {
    return [
      `${SETTINGS_PATH}.app is not set; expected the name of the function that serves your WebSocket routes (one of: ${candidates})`,
    ];
  }
  const definition = typeof app === 'string' ? functions[app] : undefined;
  if (typeof app !== 'string' || definition === undefined) {
    return [
      `${SETTINGS_PATH}.app is ${shown(app)}; expected the name of a function of this service with websocket events (one of: ${candidates})`,
    ];
  }
  if (!hasWebsocketEvent(definition)) {
    return [
      `${SETTINGS_PATH}.app is "${app}", a function without websocket events; expected one of: ${candidates}`,
    ];
  }
  if (definition.deploymentSettings !== undefined) {
    return [
      `functions.${app}.deploymentSettings is set; expected none: ws-channels sets them from ${SETTINGS_PATH} (trafficShifting, alias)`,
    ];
  }
  return [];
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
  problems.push(...appProblems(raw.app, service.functions));

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
    app: typeof raw.app === 'string' ? raw.app : '',
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
