// The settings of the ws-channels Serverless plugin (`custom.wsChannels`), checked once, with
// every problem listed in one message: a team fixes its serverless.yml in one round trip, as
// the functions' own configuration does (functions/config/read-config.ts, whose ranges these follow).

const SETTINGS_PATH = 'custom.wsChannels';

/** CodeDeploy's predefined Lambda configurations, the only ones the canary plugin can name. */
const TRAFFIC_SHIFTING_TYPES = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
];

const NEW_CONNECTIONS_POLICIES = ['hold', 'allow'];

/** Whole-number settings and their ranges (functions/config/read-config.ts reads the same ones). */
const INTEGER_RANGES = {
  concurrency: { min: 1, max: 900 },
  postTimeoutMs: { min: 10, max: 60_000 },
  suspendShards: { min: 1, max: 256 },
  maxPostsPerSecond: { min: 1, max: 100_000 },
  // At most 2 hours: API Gateway closes every connection by then, resumed or not.
  resumeExpectedWithinMs: { min: 1_000, max: 2 * 60 * 60 * 1000 },
};

/** Settings that may be left empty ('' or absent) to mean "no limit". */
const OPTIONAL_NUMBERS = new Set(['maxPostsPerSecond', 'failOnErrorRatio']);

const KNOWN_KEYS = [
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
];

// DynamoDB's rules for table and index names.
const DYNAMODB_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
// The alias is part of the canary plugin's logical id (`<Function>Alias<alias>`): alphanumeric.
const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
const DECIMAL_DIGITS = /^[0-9]+$/;
const DECIMAL_FRACTION = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

const isPlainObject = (value) =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A CloudFormation intrinsic (`{ Ref: … }`, `{ 'Fn::Sub': … }`): resolved by AWS, not here. */
const isIntrinsic = (value) =>
  isPlainObject(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::[A-Za-z]+)$/.test(Object.keys(value)[0]);

const shown = (value) => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value));

/** Collects problems; each reader returns the value to use (the default when it is wrong). */
class SettingsReader {
  constructor(raw) {
    this.raw = raw;
    this.problems = [];
  }

  #problem(key, value, expected) {
    this.problems.push(`${SETTINGS_PATH}.${key} is ${shown(value)}; expected ${expected}`);
  }

  /** Absent and (for the optional numbers) empty mean "take the default". */
  #given(key) {
    const value = this.raw[key];
    return value === undefined || value === null ? undefined : value;
  }

  name(key, pattern, expected, fallback) {
    const value = this.#given(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.#problem(key, value, expected);
      return fallback;
    }
    return value;
  }

  oneOf(key, allowed, fallback) {
    const value = this.#given(key);
    if (value === undefined) return fallback;
    if (!allowed.includes(value)) {
      this.#problem(key, value, `one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value;
  }

  /** true/false, or the strings a `${env:…}` variable gives. */
  boolean(key, fallback) {
    const value = this.#given(key);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.#problem(key, value, 'true or false');
    return fallback;
  }

  /** A number, or a string of decimal digits (what `${param:…}` and `${env:…}` give). */
  integer(key, fallback) {
    const value = this.#given(key);
    if (value === undefined || (value === '' && OPTIONAL_NUMBERS.has(key))) return fallback;
    const { min, max } = INTEGER_RANGES[key];
    const number =
      typeof value === 'number' ? value : DECIMAL_DIGITS.test(String(value)) ? Number(value) : NaN;
    if (!Number.isInteger(number) || number < min || number > max) {
      const unset = OPTIONAL_NUMBERS.has(key) ? ", or '' for no limit" : '';
      this.#problem(key, value, `a whole number from ${min} to ${max}${unset}`);
      return fallback;
    }
    return number;
  }

  ratio(key) {
    const value = this.#given(key);
    if (value === undefined || value === '') return undefined;
    const number =
      typeof value === 'number'
        ? value
        : DECIMAL_FRACTION.test(String(value))
          ? Number(value)
          : NaN;
    if (!(number >= 0 && number <= 1)) {
      this.#problem(key, value, "a number from 0 to 1 (e.g. 0.05), or '' for no limit");
      return undefined;
    }
    return number;
  }

  /** An http(s) URL (no trailing slash kept), or a CloudFormation intrinsic resolved on AWS. */
  endpoint(key) {
    const value = this.#given(key);
    if (value === undefined) return undefined;
    if (isIntrinsic(value)) return value;
    const expected =
      'an http(s) URL such as https://{apiId}.execute-api.{region}.amazonaws.com/{stage}, or a CloudFormation intrinsic ({ "Fn::Sub": … })';
    if (typeof value !== 'string') {
      this.#problem(key, value, expected);
      return undefined;
    }
    let url;
    try {
      url = new URL(value);
    } catch {
      this.#problem(key, value, expected);
      return undefined;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      this.#problem(key, value, expected);
      return undefined;
    }
    // On AWS the stage is part of the callback URL; without it every post answers 403 (the
    // functions' own check, functions/config/read-config.ts, refuses it at cold start).
    if (url.hostname.endsWith('.amazonaws.com') && url.pathname.replace(/\/+$/, '') === '') {
      this.#problem(key, value, `${expected}, with the stage as its path`);
      return undefined;
    }
    return value.replace(/\/+$/, '');
  }
}

/** Whether a function configuration has at least one `websocket` event. */
const hasWebsocketEvent = (definition) =>
  Array.isArray(definition?.events) &&
  definition.events.some((event) => isPlainObject(event) && event.websocket !== undefined);

/**
 * Reads `custom.wsChannels` against the service it belongs to.
 *
 * @param raw the value of custom.wsChannels (anything: it is what the user wrote)
 * @param service `{ name, stage, functions }`: the service name, the stage, the functions map
 * @returns `{ settings, problems }`; `problems` lists every problem, each naming its key
 */
function readSettings(raw, service) {
  if (!isPlainObject(raw)) {
    const what = raw === undefined ? 'not set' : `${shown(raw)}`;
    return {
      settings: undefined,
      problems: [
        `${SETTINGS_PATH} is ${what}; expected an object with at least \`app\`, the function that serves your WebSocket routes`,
      ],
    };
  }
  const reader = new SettingsReader(raw);
  const problems = reader.problems;

  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) {
      problems.push(
        `${SETTINGS_PATH}.${key} is not a setting of ws-channels; expected one of ${KNOWN_KEYS.join(', ')}`,
      );
    }
  }

  const functionNames = Object.keys(service.functions ?? {});
  const app = raw.app;
  const withWebsocket = functionNames.filter((name) => hasWebsocketEvent(service.functions[name]));
  const candidates = withWebsocket.length > 0 ? withWebsocket.join(', ') : '(none)';
  if (app === undefined || app === null || app === '') {
    problems.push(
      `${SETTINGS_PATH}.app is not set; expected the name of the function that serves your WebSocket routes (one of: ${candidates})`,
    );
  } else if (typeof app !== 'string' || !functionNames.includes(app)) {
    problems.push(
      `${SETTINGS_PATH}.app is ${shown(app)}; expected the name of a function of this service with websocket events (one of: ${candidates})`,
    );
  } else if (!hasWebsocketEvent(service.functions[app])) {
    problems.push(
      `${SETTINGS_PATH}.app is "${app}", a function without websocket events; expected one of: ${candidates}`,
    );
  } else if (service.functions[app].deploymentSettings !== undefined) {
    problems.push(
      `functions.${app}.deploymentSettings is set; expected none: ws-channels sets them from ${SETTINGS_PATH} (trafficShifting, alias)`,
    );
  }

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

  const settings = {
    app: typeof app === 'string' ? app : '',
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
      'suspended',
    ),
    trafficShifting: reader.oneOf('trafficShifting', TRAFFIC_SHIFTING_TYPES, 'AllAtOnce'),
    alias: reader.name(
      'alias',
      ALIAS_NAME,
      'a Lambda alias name of letters and digits, starting with a letter (e.g. Live)',
      'Live',
    ),
    concurrency: reader.integer('concurrency', 100),
    postTimeoutMs: reader.integer('postTimeoutMs', 1000),
    suspendShards: reader.integer('suspendShards', 16),
    maxPostsPerSecond: reader.integer('maxPostsPerSecond', undefined),
    failOnErrorRatio: reader.ratio('failOnErrorRatio'),
    resumeExpectedWithinMs: reader.integer('resumeExpectedWithinMs', 15 * 60 * 1000),
    newConnectionsDuringDeployment: reader.oneOf(
      'newConnectionsDuringDeployment',
      NEW_CONNECTIONS_POLICIES,
      'hold',
    ),
    websocketEndpoint: reader.endpoint('websocketEndpoint'),
  };
  if (settings.connectionsTable === settings.runsTable) {
    problems.push(
      `${SETTINGS_PATH}.runsTable is "${settings.runsTable}", the same as connectionsTable; expected a table of its own`,
    );
  }
  return { settings, problems };
}

/** The one message that lists every problem. */
function describeProblems(problems) {
  return [
    `ws-channels: ${problems.length === 1 ? 'a setting is' : `${problems.length} settings are`} wrong:`,
    ...problems.map((problem) => `  - ${problem}`),
  ].join('\n');
}

module.exports = {
  readSettings,
  describeProblems,
  isPlainObject,
  hasWebsocketEvent,
  KNOWN_KEYS,
  TRAFFIC_SHIFTING_TYPES,
  INTEGER_RANGES,
};
