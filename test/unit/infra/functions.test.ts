import { describe, expect, it } from 'vitest';
import {
  appEnvironment,
  functionKeys,
  lifecycleHooks,
  pingFunction,
  renderEnvironment,
  runEnvironment,
  wsChannelsFunctions,
  wsChannelsRoles,
} from '../../../infra/index.js';

// The functions' description: names that are contracts (function keys, so Lambda names; the
// environment variables the functions read), and what each renderer needs to be whole.

describe('the functions ws-channels adds', () => {
  it('keys them wsChannelsSuspend, wsChannelsResume and wsChannelsPing, their handlers under functions/handlers', () => {
    // Assess
    expect(functionKeys).toEqual({
      suspend: 'wsChannelsSuspend',
      resume: 'wsChannelsResume',
      ping: 'wsChannelsPing',
    });
    expect(wsChannelsFunctions.map(({ entry }) => entry)).toEqual([
      'functions/handlers/suspend',
      'functions/handlers/resume',
      'functions/handlers/ping',
    ]);
  });

  it('runs each with a described role, and each variable once', () => {
    // Prepare
    const roles = wsChannelsRoles.map(({ id }) => id);
    // Assess
    for (const described of wsChannelsFunctions) {
      expect(roles).toContain(described.role);
      const variables = described.environment.map(({ name }) => name);
      expect(new Set(variables).size).toBe(variables.length);
    }
  });

  it('gives the runs and the app the variables their configuration reads', () => {
    // Assess
    expect(runEnvironment.map(({ name }) => name)).toEqual([
      'CONNECTIONS_TABLE',
      'RUNS_TABLE',
      'SUSPENDED_INDEX',
      'WEBSOCKET_ENDPOINT',
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'NODE_OPTIONS',
      'CONCURRENCY',
      'POST_TIMEOUT_MS',
      'SUSPEND_SHARDS',
      'MAX_POSTS_PER_SECOND',
      'FAIL_ON_ERROR_RATIO',
      'RESUME_EXPECTED_WITHIN_MS',
    ]);
    expect(appEnvironment.map(({ name }) => name)).toEqual([
      'CONNECTIONS_TABLE',
      'RUNS_TABLE',
      'NEW_CONNECTIONS_DURING_DEPLOYMENT',
      'WEBSOCKET_ENDPOINT',
    ]);
  });

  it('hooks suspend before the shift and resume after it; ping serves its route and is no hook', () => {
    // Assess
    expect(lifecycleHooks).toEqual([
      { event: 'BeforeAllowTraffic', function: 'suspend' },
      { event: 'AfterAllowTraffic', function: 'resume' },
    ]);
    expect(pingFunction).toMatchObject({ route: 'ws-channels.ping', role: 'keepalive' });
    expect(wsChannelsFunctions.filter(({ route }) => route !== undefined)).toEqual([pingFunction]);
  });
});

describe('renderEnvironment', () => {
  it("gives each variable its value from the renderer's: fixed values as they are, tables, the endpoint and settings as the renderer names them", () => {
    // Prepare
    const values = {
      tableName: (table: string) => `<table ${table}>`,
      websocketEndpoint: '<endpoint>',
      setting: (setting: string) => `<setting ${setting}>`,
    };
    // Act
    const rendered = renderEnvironment(runEnvironment, values);
    // Assess
    expect(rendered).toEqual({
      CONNECTIONS_TABLE: '<table connections>',
      RUNS_TABLE: '<table runs>',
      SUSPENDED_INDEX: '<setting suspendedIndex>',
      WEBSOCKET_ENDPOINT: '<endpoint>',
      POWERTOOLS_SERVICE_NAME: 'ws-channels',
      POWERTOOLS_METRICS_NAMESPACE: 'ws-channels',
      NODE_OPTIONS: '--enable-source-maps --max-old-space-size=128 --max-semi-space-size=32',
      CONCURRENCY: '<setting concurrency>',
      POST_TIMEOUT_MS: '<setting postTimeoutMs>',
      SUSPEND_SHARDS: '<setting suspendShards>',
      MAX_POSTS_PER_SECOND: '<setting maxPostsPerSecond>',
      FAIL_ON_ERROR_RATIO: '<setting failOnErrorRatio>',
      RESUME_EXPECTED_WITHIN_MS: '<setting resumeExpectedWithinMs>',
    });
    expect(renderEnvironment(appEnvironment, values)).toEqual({
      CONNECTIONS_TABLE: '<table connections>',
      RUNS_TABLE: '<table runs>',
      NEW_CONNECTIONS_DURING_DEPLOYMENT: '<setting newConnectionsDuringDeployment>',
      WEBSOCKET_ENDPOINT: '<endpoint>',
    });
  });
});
