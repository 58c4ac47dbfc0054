import { describe, expect, it } from 'vitest';
import { readConnectConfig, readRunConfig } from '../../../functions/config/read-config.js';
import {
  addAppEnvironment,
  addFunctions,
  setDeploymentSettings,
} from '../../../plugins/functions.js';
import type { ServiceConfig } from '../../../plugins/serverless.js';
import { readSettings, type Settings } from '../../../plugins/settings.js';
import { chatNames } from '../../support/plugin-fixtures.js';

// What the plugin adds to the service's functions, and that the functions read it: the
// environment it renders goes through the functions' own configuration readers.

const websocket = (route: string) => ({ websocket: { route } });
const names = chatNames;

function serviceWith(wsChannels: Record<string, unknown>): {
  service: ServiceConfig;
  settings: Settings;
} {
  const service: ServiceConfig = {
    service: 'chat',
    provider: { compiledCloudFormationTemplate: {} },
    functions: {
      chat: { handler: 'src/chat.handler', events: [websocket('$connect')] },
      web: { handler: 'src/web.handler', environment: { PAGE: 'x' }, events: [] },
    },
  };
  const { settings, problems } = readSettings(wsChannels, {
    name: 'chat',
    stage: 'dev',
    functions: service.functions,
  });
  if (!settings || problems.length > 0) throw new Error(problems.join('\n'));
  return { service, settings };
}

/** A function's environment as Lambda gives it: strings (every value here is one). */
const environmentOf = (service: ServiceConfig, key: string) =>
  Object.fromEntries(
    Object.entries(service.functions[key]?.environment ?? {}).map(([name, value]) => [
      name,
      String(value),
    ]),
  );

describe('the functions the plugin adds', () => {
  it("renders the runs' environment from the settings, which the run's config reads back", () => {
    // Prepare
    const { service, settings } = serviceWith({
      app: 'chat',
      suspendShards: 4,
      maxPostsPerSecond: 500,
      failOnErrorRatio: '0.05',
      resumeExpectedWithinMs: 3_600_000,
    });
    // Act
    addFunctions(service, settings, names, 'node_modules/ws-channels/dist');
    // Assess
    const environment = environmentOf(service, 'wsChannelsResume');
    expect(environment).toEqual({
      CONNECTIONS_TABLE: 'chat-dev-ws-channels-connections',
      RUNS_TABLE: 'chat-dev-ws-channels-runs',
      SUSPENDED_INDEX: 'suspended',
      WEBSOCKET_ENDPOINT: 'http://localhost:3001',
      POWERTOOLS_SERVICE_NAME: 'ws-channels',
      POWERTOOLS_METRICS_NAMESPACE: 'ws-channels',
      NODE_OPTIONS: '--enable-source-maps --max-old-space-size=128 --max-semi-space-size=32',
      CONCURRENCY: '100',
      POST_TIMEOUT_MS: '1000',
      SUSPEND_SHARDS: '4',
      MAX_POSTS_PER_SECOND: '500',
      FAIL_ON_ERROR_RATIO: '0.05',
      RESUME_EXPECTED_WITHIN_MS: '3600000',
    });
    expect(readRunConfig(environment)).toMatchObject({
      connectionsTable: 'chat-dev-ws-channels-connections',
      suspendShards: 4,
      maxPostsPerSecond: 500,
      failOnErrorRatio: 0.05,
      resumeExpectedWithinMs: 3_600_000,
    });
    expect(service.functions.wsChannelsResume).toMatchObject({
      name: 'chat-dev-wsChannelsResume',
      handler: 'node_modules/ws-channels/dist/functions/handlers/resume.handler',
      role: 'WsChannelsRunRole',
      memorySize: 1769,
      timeout: 900,
      events: [],
    });
  });

  it('runs the three functions on the runtime setting, nodejs24.x by default', () => {
    // Prepare
    const byDefault = serviceWith({ app: 'chat' });
    const older = serviceWith({ app: 'chat', runtime: 'nodejs22.x' });
    // Act
    addFunctions(byDefault.service, byDefault.settings, names, 'dist');
    addFunctions(older.service, older.settings, names, 'dist');
    // Assess
    for (const key of ['wsChannelsSuspend', 'wsChannelsResume', 'wsChannelsPing']) {
      expect(byDefault.service.functions[key]?.runtime).toBe('nodejs24.x');
      expect(older.service.functions[key]?.runtime).toBe('nodejs22.x');
    }
  });

  it('leaves unset limits empty, which the run reads as no limit', () => {
    // Prepare
    const { service, settings } = serviceWith({ app: 'chat', maxPostsPerSecond: '' });
    // Act
    addFunctions(service, settings, names, 'dist');
    // Assess
    const environment = environmentOf(service, 'wsChannelsSuspend');
    expect(environment).toMatchObject({ MAX_POSTS_PER_SECOND: '', FAIL_ON_ERROR_RATIO: '' });
    expect(readRunConfig(environment)).toMatchObject({
      maxPostsPerSecond: undefined,
      failOnErrorRatio: undefined,
    });
  });

  it("gives the app's WebSocket functions what $connect reads, and leaves its other functions alone", () => {
    // Prepare
    const { service, settings } = serviceWith({
      app: 'chat',
      newConnectionsDuringDeployment: 'allow',
    });
    // Act
    addAppEnvironment(service, settings, names);
    // Assess
    expect(readConnectConfig(environmentOf(service, 'chat'))).toEqual({
      connectionsTable: 'chat-dev-ws-channels-connections',
      runsTable: 'chat-dev-ws-channels-runs',
      websocketEndpoint: 'http://localhost:3001',
      newConnectionsDuringDeployment: 'allow',
    });
    expect(service.functions.web?.environment).toEqual({ PAGE: 'x' });
  });

  it('deploys the app with suspend before the shift and resume after it', () => {
    // Prepare
    const { service, settings } = serviceWith({
      app: 'chat',
      trafficShifting: 'Canary10Percent5Minutes',
      alias: 'Current',
    });
    // Act
    setDeploymentSettings(service, settings);
    // Assess
    expect(service.functions.chat?.deploymentSettings).toEqual({
      type: 'Canary10Percent5Minutes',
      alias: 'Current',
      preTrafficHook: 'wsChannelsSuspend',
      postTrafficHook: 'wsChannelsResume',
    });
  });

  it('deploys each function of a function-per-route app with the same hooks, and gives all three the registry', () => {
    // Prepare: AWS's sample chat, a function per route.
    const service: ServiceConfig = {
      service: 'chat',
      provider: { compiledCloudFormationTemplate: {} },
      functions: {
        onconnect: { handler: 'src/onconnect.handler', events: [websocket('$connect')] },
        ondisconnect: { handler: 'src/ondisconnect.handler', events: [websocket('$disconnect')] },
        sendmessage: { handler: 'src/sendmessage.handler', events: [websocket('sendmessage')] },
        web: { handler: 'src/web.handler', events: [] },
      },
    };
    const { settings, problems } = readSettings(
      { app: '*' },
      { name: 'chat', stage: 'dev', functions: service.functions },
    );
    if (!settings) throw new Error(problems.join('\n'));
    // Act
    setDeploymentSettings(service, settings);
    addAppEnvironment(service, settings, names);
    // Assess
    const hooks = {
      type: 'AllAtOnce',
      alias: 'Live',
      preTrafficHook: 'wsChannelsSuspend',
      postTrafficHook: 'wsChannelsResume',
    };
    expect(problems).toEqual([]);
    for (const key of ['onconnect', 'ondisconnect', 'sendmessage']) {
      expect(service.functions[key]?.deploymentSettings, key).toEqual(hooks);
      expect(readConnectConfig(environmentOf(service, key)), key).toMatchObject({
        connectionsTable: 'chat-dev-ws-channels-connections',
      });
    }
    expect(service.functions.web?.deploymentSettings).toBeUndefined();
    expect(service.functions.web?.environment).toBeUndefined();
  });
});
