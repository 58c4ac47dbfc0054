import { describe, expect, it } from 'vitest';
import { describeProblems, readSettings, type ServiceShape } from '../../../plugins/settings.js';

// The settings of the Serverless plugin (custom.wsChannels): defaults, each wrong setting named
// with what is expected, and every problem in one message.

const websocket = (route: string) => ({ websocket: { route } });
const service: ServiceShape = {
  name: 'chat',
  stage: 'dev',
  functions: {
    chat: { handler: 'src/chat.handler', events: [websocket('$connect'), websocket('$default')] },
    web: { handler: 'src/web.handler', events: [{ httpApi: 'GET /' }] },
  },
};

describe('custom.wsChannels', () => {
  it('takes the defaults when only app is given', () => {
    // Act
    const { settings, problems } = readSettings({ app: 'chat' }, service);
    // Assess
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      app: 'chat',
      existingTables: false,
      connectionsTable: 'chat-dev-ws-channels-connections',
      runsTable: 'chat-dev-ws-channels-runs',
      suspendedIndex: 'suspended',
      trafficShifting: 'AllAtOnce',
      alias: 'Live',
      concurrency: 100,
      postTimeoutMs: 1000,
      suspendShards: 16,
      maxPostsPerSecond: undefined,
      failOnErrorRatio: undefined,
      resumeExpectedWithinMs: 900_000,
      newConnectionsDuringDeployment: 'hold',
      websocketEndpoint: undefined,
      runtime: 'nodejs24.x',
    });
  });

  it('takes every setting, numbers also as the digit strings ${param:…} gives', () => {
    // Prepare
    const raw = {
      app: 'chat',
      existingTables: 'true',
      connectionsTable: 'registry',
      runsTable: 'runs.v2',
      suspendedIndex: 'byShard',
      trafficShifting: 'Linear10PercentEvery1Minute',
      alias: 'Current',
      concurrency: '50',
      postTimeoutMs: 2500,
      suspendShards: 4,
      maxPostsPerSecond: '500',
      failOnErrorRatio: '0.05',
      resumeExpectedWithinMs: 3_600_000,
      newConnectionsDuringDeployment: 'allow',
      websocketEndpoint: 'https://ws.example.com/prod/',
      runtime: 'nodejs22.x',
    };
    // Act
    const { settings, problems } = readSettings(raw, service);
    // Assess
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      ...raw,
      existingTables: true,
      concurrency: 50,
      maxPostsPerSecond: 500,
      failOnErrorRatio: 0.05,
      websocketEndpoint: 'https://ws.example.com/prod',
    });
  });

  it('reads empty limits as no limit and passes a CloudFormation intrinsic endpoint through', () => {
    // Prepare
    const endpoint = {
      'Fn::Sub': 'https://${WebsocketsApi}.execute-api.${AWS::Region}.amazonaws.com/dev',
    };
    // Act
    const { settings, problems } = readSettings(
      { app: 'chat', maxPostsPerSecond: '', failOnErrorRatio: '', websocketEndpoint: endpoint },
      service,
    );
    // Assess
    expect(problems).toEqual([]);
    expect(settings?.maxPostsPerSecond).toBeUndefined();
    expect(settings?.failOnErrorRatio).toBeUndefined();
    expect(settings?.websocketEndpoint).toEqual(endpoint);
  });

  it.each([
    ['concurrency', 0, 'custom.wsChannels.concurrency is 0; expected a whole number from 1 to 900'],
    [
      'concurrency',
      '1e2',
      'custom.wsChannels.concurrency is "1e2"; expected a whole number from 1 to 900',
    ],
    [
      'postTimeoutMs',
      60_001,
      'custom.wsChannels.postTimeoutMs is 60001; expected a whole number from 10 to 60000',
    ],
    [
      'suspendShards',
      2.5,
      'custom.wsChannels.suspendShards is 2.5; expected a whole number from 1 to 256',
    ],
    [
      'maxPostsPerSecond',
      -1,
      "custom.wsChannels.maxPostsPerSecond is -1; expected a whole number from 1 to 100000, or '' for no limit",
    ],
    [
      'failOnErrorRatio',
      1.5,
      "custom.wsChannels.failOnErrorRatio is 1.5; expected a number from 0 to 1 (e.g. 0.05), or '' for no limit",
    ],
    [
      'resumeExpectedWithinMs',
      '3 hours',
      'custom.wsChannels.resumeExpectedWithinMs is "3 hours"; expected a whole number from 1000 to 7200000',
    ],
    [
      'trafficShifting',
      'Canary50Percent',
      'custom.wsChannels.trafficShifting is "Canary50Percent"; expected one of AllAtOnce, Canary10Percent5Minutes,',
    ],
    [
      'newConnectionsDuringDeployment',
      'queue',
      'custom.wsChannels.newConnectionsDuringDeployment is "queue"; expected one of hold, allow',
    ],
    ['existingTables', 'yes', 'custom.wsChannels.existingTables is "yes"; expected true or false'],
    [
      'alias',
      'live-1',
      'custom.wsChannels.alias is "live-1"; expected a Lambda alias name of letters and digits',
    ],
    [
      'connectionsTable',
      'a b',
      'custom.wsChannels.connectionsTable is "a b"; expected a DynamoDB table name',
    ],
    ['runsTable', 42, 'custom.wsChannels.runsTable is 42; expected a DynamoDB table name'],
    ['suspendedIndex', 'ix', 'custom.wsChannels.suspendedIndex is "ix"; expected an index name'],
    [
      'websocketEndpoint',
      'ws://localhost:3001',
      'custom.wsChannels.websocketEndpoint is "ws://localhost:3001"; expected an http(s) URL',
    ],
    [
      'websocketEndpoint',
      'https://abc123.execute-api.us-east-1.amazonaws.com/',
      'custom.wsChannels.websocketEndpoint is "https://abc123.execute-api.us-east-1.amazonaws.com/"; expected an http(s) URL such as https://{apiId}.execute-api.{region}.amazonaws.com/{stage}, or a CloudFormation intrinsic ({ "Fn::Sub": … }), with the stage as its path',
    ],
    [
      'colour',
      'blue',
      'custom.wsChannels.colour is not a setting of ws-channels; expected one of app, connectionsTable,',
    ],
  ])('names %s when it is %j, with what is expected', (key, value, message) => {
    // Act
    const { problems } = readSettings({ app: 'chat', [key]: value }, service);
    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it.each([
    [undefined, 'custom.wsChannels is not set; expected an object with at least `app`'],
    ['chat', 'custom.wsChannels is "chat"; expected an object with at least `app`'],
  ])('asks for an object when custom.wsChannels is %j', (raw, message) => {
    // Act
    const { settings, problems } = readSettings(raw, service);
    // Assess
    expect(settings).toBeUndefined();
    expect(problems).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    [
      {},
      'custom.wsChannels.app is not set; expected the name of the function that serves your WebSocket routes (one of: chat)',
    ],
    [
      { app: 'missing' },
      'custom.wsChannels.app is "missing"; expected the name of a function of this service with websocket events (one of: chat)',
    ],
    [
      { app: 'web' },
      'custom.wsChannels.app is "web", a function without websocket events; expected one of: chat',
    ],
  ])('names app when it is %j, with the functions it may be', (raw, message) => {
    // Act
    const { problems } = readSettings(raw, service);
    // Assess
    expect(problems).toEqual([message]);
  });

  it('refuses deploymentSettings of the app function: the plugin sets them', () => {
    // Prepare
    const functions = {
      chat: {
        handler: 'h',
        events: [websocket('$default')],
        deploymentSettings: { type: 'AllAtOnce' },
      },
    };
    // Act
    const { problems } = readSettings({ app: 'chat' }, { ...service, functions });
    // Assess
    expect(problems).toEqual([
      'functions.chat.deploymentSettings is set; expected none: ws-channels sets them from custom.wsChannels (trafficShifting, alias)',
    ]);
  });

  it('asks for both table names when the tables exist already, and refuses one table for both', () => {
    // Act
    const missing = readSettings({ app: 'chat', existingTables: true }, service).problems;
    const same = readSettings(
      { app: 'chat', connectionsTable: 'tbl', runsTable: 'tbl' },
      service,
    ).problems;
    // Assess
    expect(missing).toEqual([
      'custom.wsChannels.connectionsTable is not set; expected the name of the existing table, since existingTables is true',
      'custom.wsChannels.runsTable is not set; expected the name of the existing table, since existingTables is true',
    ]);
    expect(same).toEqual([
      'custom.wsChannels.runsTable is "tbl", the same as connectionsTable; expected a table of its own',
    ]);
  });

  it('runs the functions on Node 24 unless runtime says nodejs22.x, and names the choices otherwise', () => {
    // Act
    const { problems } = readSettings({ app: 'chat', runtime: 'nodejs20.x' }, service);
    // Assess
    expect(problems).toEqual([
      'custom.wsChannels.runtime is "nodejs20.x"; expected one of nodejs24.x, nodejs22.x',
    ]);
  });

  it('lists every problem at once, one line each', () => {
    // Prepare
    const raw = { concurrency: 0, trafficShifting: 'Fast', colour: 'blue' };
    // Act
    const { problems } = readSettings(raw, service);
    const message = describeProblems(problems);
    // Assess
    expect(problems).toHaveLength(4);
    expect(message.split('\n')).toEqual([
      'ws-channels: 4 settings are wrong:',
      expect.stringContaining('  - custom.wsChannels.colour is not a setting'),
      expect.stringContaining('  - custom.wsChannels.app is not set'),
      expect.stringContaining('  - custom.wsChannels.trafficShifting is "Fast"'),
      expect.stringContaining('  - custom.wsChannels.concurrency is 0'),
    ]);
  });
});
