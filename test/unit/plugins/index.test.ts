import { describe, expect, it } from 'vitest';
import WsChannelsPlugin from '../../../plugins/index.js';
import type { FunctionDefinition, Serverless } from '../../../plugins/serverless.js';
import { projectRoot } from '../../../scripts/lib/local-stack.js';

// The plugin's `initialize` hook on a fake of osls: it refuses wrong settings with the
// framework's own error class (so that `osls package` stops with it), and otherwise adds its
// functions and the app's deploymentSettings. test/integration/plugin.test.ts runs it in osls.

class FrameworkError extends Error {}

const websocket = (route: string) => ({ websocket: { route } });
const appFunctions = (): Record<string, FunctionDefinition> => ({
  chat: { handler: 'src/chat.handler', events: [websocket('$connect'), websocket('$default')] },
  web: { handler: 'src/web.handler', events: [{ httpApi: 'GET /' }] },
});

/** Just enough of osls for the plugin's `initialize` hook. */
function fakeServerless(custom: unknown, serviceDir = '/nowhere'): Serverless {
  return {
    classes: { Error: FrameworkError },
    serviceDir,
    processedInput: { commands: ['package'] },
    // Listed below: the plugin then leaves loading the canary plugin to osls.
    pluginManager: { plugins: [], addPlugin: () => undefined },
    getProvider: () => ({
      getStage: () => 'dev',
      getRegion: () => 'eu-west-1',
      naming: {
        getStackName: () => 'chat-dev',
        getLambdaLogicalId: (key) => `${key.charAt(0).toUpperCase()}${key.slice(1)}LambdaFunction`,
        getRoleLogicalId: () => 'IamRoleLambdaExecution',
        getWebsocketsStageLogicalId: () => 'WebsocketsDeploymentStage',
        normalizeNameToAlphaNumericOnly: (name) => name.replace(/[^0-9A-Za-z]/g, ''),
      },
      getApiGatewayWebsocketApiId: () => ({ Ref: 'WebsocketsApi' }),
    }),
    service: {
      service: 'chat',
      plugins: ['ws-channels', 'serverless-plugin-canary-deployments'],
      custom,
      provider: { compiledCloudFormationTemplate: { Resources: {} } },
      functions: appFunctions(),
    },
  };
}

const initialize = (serverless: Serverless) => () =>
  new WsChannelsPlugin(serverless, {}, {}).hooks.initialize?.();

describe('the plugin with wrong settings', () => {
  it("throws the framework's error class with every problem in one message", () => {
    // Prepare
    const serverless = fakeServerless({ wsChannels: { app: 'nope', suspendShards: 999 } });
    // Act
    const act = initialize(serverless);
    // Assess
    expect(act).toThrow(FrameworkError);
    expect(act).toThrow(
      /ws-channels: 2 settings are wrong:\n {2}- custom\.wsChannels\.app names "nope", which is not a function of this service; .*write app: .*\n {2}- custom\.wsChannels\.suspendShards is 999; expected a whole number from 1 to 256/,
    );
  });

  it('refuses a ws-channels installed outside the service folder, which osls would not zip', () => {
    // Prepare: valid settings, and a service folder with no node_modules/ws-channels of its own
    // (a workspace that hoisted it): the handlers would be ../…/dist/functions/handlers.
    const serverless = fakeServerless({ wsChannels: { app: 'chat' } });
    // Act
    const act = initialize(serverless);
    // Assess
    expect(act).toThrow(FrameworkError);
    expect(act).toThrow(
      /ws-channels is installed outside the service folder \(its handlers would be \.\.\/.*dist\/functions\/handlers\)/,
    );
  });

  it('names the function keys and logical ids it needs when the service already uses them', () => {
    // Prepare
    const serverless = fakeServerless({ wsChannels: { app: 'chat' } });
    serverless.service.functions.wsChannelsPing = { handler: 'mine.handler', events: [] };
    serverless.service.resources = { Resources: { WsChannelsRunRole: { Type: 'AWS::IAM::Role' } } };
    // Act
    const act = initialize(serverless);
    // Assess
    expect(act).toThrow(
      /resources\.Resources\.WsChannelsRunRole exists; expected that name free for ws-channels\n.*functions\.wsChannelsPing exists; expected that name free for ws-channels/,
    );
  });
});

describe("the plugin and the API's route selection expression", () => {
  it('stops with the expression found, what the ping sends and what to do', () => {
    // Prepare
    const serverless = fakeServerless({ wsChannels: { app: 'chat' } }, projectRoot);
    serverless.service.provider.websocketsApiRouteSelectionExpression = '$request.body.type';
    // Act
    const act = initialize(serverless);
    // Assess
    expect(act).toThrow(FrameworkError);
    expect(act).toThrow(
      /provider\.websocketsApiRouteSelectionExpression is "\$request\.body\.type"; the client helper's keep-alive sends \{"action":"ws-channels\.ping"\}.*custom\.wsChannels\.pingRouteKey/,
    );
  });

  it('puts the ping function on the route key the settings name for that expression', () => {
    // Prepare
    const serverless = fakeServerless(
      { wsChannels: { app: 'chat', pingRouteKey: 'keepalive' } },
      projectRoot,
    );
    serverless.service.provider.websocketsApiRouteSelectionExpression = '$request.body.type';
    // Act
    initialize(serverless)();
    // Assess
    expect(serverless.service.functions.wsChannelsPing?.events).toEqual([websocket('keepalive')]);
  });
});

describe('the plugin with good settings', () => {
  it('adds its functions from the package (here the repository) and deploys the app with suspend and resume as hooks', () => {
    // Prepare: the repository as the service folder, as the reference stack is.
    const serverless = fakeServerless({ wsChannels: { app: 'chat' } }, projectRoot);
    // Act
    initialize(serverless)();
    // Assess
    const { functions } = serverless.service;
    expect(Object.keys(functions)).toEqual([
      'chat',
      'web',
      'wsChannelsSuspend',
      'wsChannelsResume',
      'wsChannelsPing',
    ]);
    expect(functions.wsChannelsSuspend?.handler).toBe('dist/functions/handlers/suspend.handler');
    expect(functions.wsChannelsPing?.events).toEqual([websocket('ws-channels.ping')]);
    // Suspend and resume: Lambda's retries, the event's age, the queue, reserved concurrency.
    for (const key of ['wsChannelsSuspend', 'wsChannelsResume']) {
      expect(functions[key]).toMatchObject({
        reservedConcurrency: 5,
        maximumEventAge: 3600,
        maximumRetryAttempts: 2,
        destinations: { onFailure: { type: 'sqs' } },
      });
    }
    expect(functions.wsChannelsPing).not.toHaveProperty('destinations');
    expect(Object.keys(serverless.service.resources as object)).toEqual(['Resources']);
    expect(Object.keys((serverless.service.resources as { Resources: object }).Resources)).toEqual(
      expect.arrayContaining([
        'WsChannelsFailedEventsQueue',
        'WsChannelsFailedEventsAlarm',
        'WsChannelsDeploymentEndedRule',
        'WsChannelsDeploymentEndedPermission',
      ]),
    );
    expect(functions.chat?.deploymentSettings).toEqual({
      type: 'AllAtOnce',
      alias: 'Live',
      preTrafficHook: 'wsChannelsSuspend',
      postTrafficHook: 'wsChannelsResume',
    });
    expect(functions.web?.environment).toBeUndefined();
  });

  it('lets CodeDeploy read alarms only when custom.deploymentSettings names alarms to roll back on', () => {
    // Prepare
    const withAlarms = fakeServerless(
      { wsChannels: { app: 'chat' }, deploymentSettings: { alarms: ['ChatErrors'] } },
      projectRoot,
    );
    const without = fakeServerless({ wsChannels: { app: 'chat' } }, projectRoot);
    // Act
    initialize(withAlarms)();
    initialize(without)();
    // Assess
    const codeDeployRole = (serverless: Serverless) =>
      JSON.stringify(
        (serverless.service.resources as { Resources: Record<string, unknown> }).Resources
          .WsChannelsCodeDeployRole,
      );
    expect(codeDeployRole(withAlarms)).toContain('cloudwatch:DescribeAlarms');
    expect(codeDeployRole(withAlarms)).toContain(':alarm:*');
    expect(codeDeployRole(without)).not.toContain('cloudwatch:');
    expect(codeDeployRole(without)).not.toContain('ManagedPolicyArns');
  });
});
