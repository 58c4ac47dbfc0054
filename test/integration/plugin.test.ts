import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTarball, packRepository } from '../support/pack.js';
import {
  asArray,
  type CloudFormationResource,
  type CloudFormationTemplate,
  iamStatements,
  packageService,
  packageTemplate,
  websocketDeploymentIds,
  websocketDeploymentNames,
} from '../support/packaged-template.js';
import { expectedConnectionsTable, expectedRunsTable } from '../support/plugin-fixtures.js';
import { useTestTables } from '../support/test-tables.js';

// The Serverless plugin as a team uses it: the tarball (`npm pack`) unpacked as
// node_modules/ws-channels of a scratch service whose serverless.yml says only
// `plugins: [ws-channels]` and `custom.wsChannels.app`, packaged by `osls package` with no AWS
// credentials. The service's other node_modules are links to the repo's, as in package.test.ts.
// Three `osls package` runs in all (two good, one wrong): each costs seconds on a small machine.

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const osls = path.join(repo, 'node_modules', 'osls', 'bin', 'serverless.js');
const environment = {
  ...process.env,
  SLS_TELEMETRY_DISABLED: '1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** A service with one app function behind the three WebSocket routes, and ws-channels. */
const serviceYaml = (wsChannels: string) => `service: scratch
provider:
  name: aws
  runtime: nodejs22.x
  stage: \${opt:stage, 'dev'}
  region: us-east-1
  websocketsApiRouteSelectionExpression: $request.body.action
package:
  # The links to the repo's node_modules are not the app's dependencies: zip only what it runs.
  excludeDevDependencies: false
  patterns: ['!**', 'src/**', 'node_modules/ws-channels/dist/**']
plugins:
  - ws-channels
custom:
  wsChannels:
${wsChannels}
functions:
  chat:
    handler: src/chat.handler
    events:
      - websocket: { route: $connect }
      - websocket: { route: $disconnect }
      - websocket: { route: $default }
`;

/** AWS's sample chat's shape: a function per route, each deployed by CodeDeploy (`app`). */
const perRouteYaml = serviceYaml('    app: [onconnect, ondisconnect, sendmessage]').replace(
  /functions:\n[\s\S]*$/,
  `functions:
  onconnect:
    handler: src/chat.handler
    events: [{ websocket: { route: $connect } }]
  ondisconnect:
    handler: src/chat.handler
    events: [{ websocket: { route: $disconnect } }]
  sendmessage:
    handler: src/chat.handler
    events: [{ websocket: { route: sendmessage } }]
`,
);

/** `osls package` of a configuration expected to be refused: its exit code and its output. */
async function packageRefused(
  serviceDir: string,
  config: string,
): Promise<{ code: number; output: string }> {
  try {
    await run(process.execPath, [osls, 'package', '--stage', 'dev', '--config', config], {
      cwd: serviceDir,
      env: environment,
      timeout: 120_000,
    });
    return { code: 0, output: '' };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the Serverless plugin (plugins: [ws-channels], osls package)', () => {
  let scratch: string;
  let service: string;
  let template: CloudFormationTemplate;
  let zipped: string[];
  let again: CloudFormationTemplate;
  let existingApi: CloudFormationTemplate;
  let perRoute: CloudFormationTemplate;
  let refused: { code: number; output: string };

  beforeAll(async () => {
    // Prepare
    scratch = await mkdtemp(path.join(tmpdir(), 'ws-channels-plugin-'));
    service = path.join(scratch, 'service');
    await installTarball(service, await packRepository(scratch));
    await mkdir(path.join(service, 'src'));
    await writeFile(
      path.join(service, 'src', 'chat.js'),
      'export const handler = async () => ({ statusCode: 200 });\n',
    );
    await writeFile(path.join(service, 'serverless.yml'), serviceYaml('    app: chat'));
    // Two wrong settings and a missing one: all three must be named in the one error.
    await writeFile(
      path.join(service, 'serverless-wrong.yml'),
      serviceYaml('    concurrency: 0\n    trafficShifting: Fast'),
    );

    // An app on an API that exists already, in a VPC.
    await writeFile(
      path.join(service, 'serverless-existing-api.yml'),
      serviceYaml('    app: chat').replace(
        '  region: us-east-1\n',
        [
          '  region: us-east-1',
          '  apiGateway:',
          '    websocketApiId: abc123',
          '  vpc:',
          '    securityGroupIds: [sg-0123]',
          '    subnetIds: [subnet-0123]',
          '',
        ].join('\n'),
      ),
    );

    await writeFile(path.join(service, 'serverless-per-route.yml'), perRouteYaml);

    // Act
    const packaged = await packageService({ serviceDir: service });
    template = packaged.template;
    zipped = Object.values(packaged.zips).flat();
    again = await packageTemplate('dev', service);
    existingApi = (
      await packageService({ serviceDir: service, config: 'serverless-existing-api.yml' })
    ).template;
    perRoute = (await packageService({ serviceDir: service, config: 'serverless-per-route.yml' }))
      .template;
    refused = await packageRefused(service, 'serverless-wrong.yml');
  }, 240_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const resource = (logicalId: string): CloudFormationResource => {
    const found = template.Resources[logicalId];
    if (!found) throw new Error(`${logicalId} is not in the template`);
    return found;
  };

  it('adds suspend, resume and ping, their handlers inside the installed package', () => {
    // Assess
    const functions = Object.fromEntries(
      Object.entries(template.Resources)
        .filter(([, { Type }]) => Type === 'AWS::Lambda::Function')
        .map(([logicalId, { Properties }]) => [logicalId, Properties ?? {}]),
    );
    expect(Object.keys(functions).sort()).toEqual([
      'ChatLambdaFunction',
      'WsChannelsPingLambdaFunction',
      'WsChannelsResumeLambdaFunction',
      'WsChannelsSuspendLambdaFunction',
    ]);
    expect(functions.WsChannelsSuspendLambdaFunction).toMatchObject({
      FunctionName: 'scratch-dev-wsChannelsSuspend',
      Handler: 'node_modules/ws-channels/dist/functions/handlers/suspend.handler',
      MemorySize: 1769,
      Timeout: 900,
      Role: { 'Fn::GetAtt': ['WsChannelsRunRole', 'Arn'] },
    });
    expect(functions.WsChannelsResumeLambdaFunction).toMatchObject({
      FunctionName: 'scratch-dev-wsChannelsResume',
      Handler: 'node_modules/ws-channels/dist/functions/handlers/resume.handler',
      Role: { 'Fn::GetAtt': ['WsChannelsRunRole', 'Arn'] },
    });
    expect(functions.WsChannelsPingLambdaFunction).toMatchObject({
      FunctionName: 'scratch-dev-wsChannelsPing',
      Handler: 'node_modules/ws-channels/dist/functions/handlers/ping.handler',
      MemorySize: 128,
      Timeout: 3,
      Role: { 'Fn::GetAtt': ['WsChannelsKeepaliveRole', 'Arn'] },
    });
    expect(resource('wsDashchannelsPeriodpingWebsocketsRoute').Properties?.RouteKey).toBe(
      'ws-channels.ping',
    );
  });

  it('zips the handlers it names', () => {
    // Assess: osls zips the service folder; a handler outside the zip would deploy missing.
    for (const file of ['suspend', 'resume', 'ping']) {
      expect(zipped).toContain(`node_modules/ws-channels/dist/functions/handlers/${file}.js`);
    }
    // The CDK construct's bundles are megabytes that no function of the plugin loads.
    expect(zipped.filter((file) => file.includes('ws-channels/dist/cdk/'))).toEqual([]);
  });

  it('on an existing API, names that API and no WebsocketsApi resource; in a VPC, lets its roles manage network interfaces', () => {
    // Prepare
    const text = JSON.stringify(existingApi);
    const role = (logicalId: string) => existingApi.Resources[logicalId]?.Properties ?? {};
    const variables = (
      existingApi.Resources.WsChannelsSuspendLambdaFunction?.Properties?.Environment as {
        Variables?: Record<string, unknown>;
      }
    )?.Variables;
    // Assess
    expect(existingApi.Resources.WebsocketsApi).toBeUndefined();
    expect(text).not.toContain('"Ref":"WebsocketsApi"');
    expect(variables?.WEBSOCKET_ENDPOINT).toEqual({
      'Fn::Sub': [
        'https://${ApiId}.execute-api.${AWS::Region}.amazonaws.com/dev',
        { ApiId: 'abc123' },
      ],
    });
    const vpcAccess = {
      'Fn::Sub':
        'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    };
    expect(role('WsChannelsRunRole').ManagedPolicyArns).toEqual([vpcAccess]);
    expect(role('WsChannelsKeepaliveRole').ManagedPolicyArns).toEqual([vpcAccess]);
  });

  it('gives the app function the registry environment and the run functions theirs', () => {
    // Prepare
    const endpoint = {
      'Fn::Sub': [
        'https://${ApiId}.execute-api.${AWS::Region}.amazonaws.com/dev',
        { ApiId: { Ref: 'WebsocketsApi' } },
      ],
    };
    const variables = (logicalId: string) =>
      (resource(logicalId).Properties?.Environment as { Variables?: Record<string, unknown> })
        ?.Variables;
    // Assess
    expect(variables('ChatLambdaFunction')).toEqual({
      CONNECTIONS_TABLE: 'scratch-dev-ws-channels-connections',
      RUNS_TABLE: 'scratch-dev-ws-channels-runs',
      NEW_CONNECTIONS_DURING_DEPLOYMENT: 'hold',
      WEBSOCKET_ENDPOINT: endpoint,
    });
    expect(variables('WsChannelsSuspendLambdaFunction')).toMatchObject({
      CONNECTIONS_TABLE: 'scratch-dev-ws-channels-connections',
      RUNS_TABLE: 'scratch-dev-ws-channels-runs',
      SUSPENDED_INDEX: 'suspended',
      WEBSOCKET_ENDPOINT: endpoint,
      CONCURRENCY: '100',
      POST_TIMEOUT_MS: '1000',
      SUSPEND_SHARDS: '16',
      MAX_POSTS_PER_SECOND: '',
      FAIL_ON_ERROR_RATIO: '',
      RESUME_EXPECTED_WITHIN_MS: '900000',
    });
  });

  it('deploys the app function through CodeDeploy with suspend and resume as its hooks', () => {
    // Assess
    const alias = resource('ChatLambdaFunctionAliasLive');
    expect(alias.UpdatePolicy?.CodeDeployLambdaAliasUpdate).toEqual({
      ApplicationName: { Ref: 'ScratchdevDeploymentApplication' },
      DeploymentGroupName: { Ref: 'ChatLambdaFunctionDeploymentGroup' },
      BeforeAllowTrafficHook: { Ref: 'WsChannelsSuspendLambdaFunction' },
      AfterAllowTrafficHook: { Ref: 'WsChannelsResumeLambdaFunction' },
    });
    const group = resource('ChatLambdaFunctionDeploymentGroup').Properties ?? {};
    expect(group.DeploymentGroupName).toBe('scratch-dev-ChatLambdaFunctionDeploymentGroup');
    expect(group.ServiceRoleArn).toEqual({ 'Fn::GetAtt': ['WsChannelsCodeDeployRole', 'Arn'] });
    expect(
      JSON.stringify(resource('ChatWebsocketsIntegration').Properties?.IntegrationUri),
    ).toContain('ChatLambdaFunctionAliasLive');
    // The hooks report for this deployment group and no other.
    const reports = iamStatements(template).filter(
      ({ owner, statement }) =>
        owner === 'WsChannelsRunRole' &&
        asArray(statement.Action).includes('codedeploy:PutLifecycleEventHookExecutionStatus'),
    );
    expect(reports.map(({ statement }) => statement.Resource)).toEqual([
      [
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:${ScratchdevDeploymentApplication}/scratch-dev-ChatLambdaFunctionDeploymentGroup',
        },
      ],
    ]);
  });

  it('adds the tables: Connections keyed by connectionId with the sparse suspended index, Runs keyed by runId', () => {
    // Assess
    expect(resource('WsChannelsConnectionsTable').Properties).toEqual(
      expectedConnectionsTable('scratch-dev-ws-channels-connections'),
    );
    expect(resource('WsChannelsRunsTable').Properties).toEqual(
      expectedRunsTable('scratch-dev-ws-channels-runs'),
    );
  });

  it('names a resource in every IAM statement, and @connections of this API and stage only', () => {
    // Prepare
    const statements = iamStatements(template);
    const owners = new Set(statements.map(({ owner }) => owner));
    // Assess
    expect([...owners].sort()).toEqual([
      'IamRoleLambdaExecution',
      'WsChannelsCodeDeployRole',
      'WsChannelsKeepaliveRole',
      'WsChannelsRunRole',
    ]);
    for (const { owner, statement } of statements) {
      for (const named of asArray(statement.Resource)) {
        expect(named, `${owner}: ${JSON.stringify(statement)}`).not.toBe('*');
        expect(JSON.stringify(named), owner).not.toMatch(/execute-api:\*/);
      }
    }
    const keepalive = statements.filter(({ owner }) => owner === 'WsChannelsKeepaliveRole');
    expect(keepalive.map(({ statement }) => statement.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
    ]);
    const appActions = statements
      .filter(({ owner }) => owner === 'IamRoleLambdaExecution')
      .flatMap(({ statement }) => asArray(statement.Action));
    // Only suspend and resume report a hook's status: an app function that could would be able
    // to report Succeeded over their verdict (the canary plugin grants it to the framework role).
    expect(appActions).not.toContain('codedeploy:PutLifecycleEventHookExecutionStatus');
    expect(appActions).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'execute-api:ManageConnections',
      ]),
    );
  });

  it('renames the stage deployment after the final routes, the same on every package', () => {
    // Prepare
    const [deployment] = websocketDeploymentIds(template);
    // Assess
    // osls names it from a base64 hash (mixed case); the rename gives 64 lowercase hex digits.
    expect(websocketDeploymentIds(template)).toHaveLength(1);
    expect(deployment).toMatch(/^WebsocketsDeployment[0-9a-f]{64}$/);
    expect(resource('WebsocketsDeploymentStage').Properties?.DeploymentId).toEqual({
      Ref: deployment,
    });
    expect(websocketDeploymentNames(template)).toEqual([deployment]);
    expect(websocketDeploymentIds(again)).toEqual([deployment]);
  });

  it('stops osls package with one message naming every wrong or missing setting', () => {
    // Assess
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('ws-channels: 3 settings are wrong:');
    expect(refused.output).toContain(
      "custom.wsChannels.app is not set; expected the functions CodeDeploy deploys: this service's one function with websocket events is chat: write app: chat",
    );
    expect(refused.output).toContain(
      'custom.wsChannels.concurrency is 0; expected a whole number from 1 to 900',
    );
    expect(refused.output).toContain(
      'custom.wsChannels.trafficShifting is "Fast"; expected one of AllAtOnce,',
    );
  });

  it('deploys each function of a function-per-route app as a group of its own, with the same hooks, and gives each the registry', () => {
    // Prepare
    const routes = {
      Onconnect: '$connect',
      Ondisconnect: '$disconnect',
      Sendmessage: 'sendmessage',
    };
    const group = (name: string) =>
      `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:\${ScratchdevDeploymentApplication}/scratch-dev-${name}LambdaFunctionDeploymentGroup`;
    const statements = iamStatements(perRoute);
    // Assess: one deployment group per function, each alias shifted with suspend and resume.
    for (const name of Object.keys(routes)) {
      expect(
        perRoute.Resources[`${name}LambdaFunctionAliasLive`]?.UpdatePolicy
          ?.CodeDeployLambdaAliasUpdate,
        name,
      ).toEqual({
        ApplicationName: { Ref: 'ScratchdevDeploymentApplication' },
        DeploymentGroupName: { Ref: `${name}LambdaFunctionDeploymentGroup` },
        BeforeAllowTrafficHook: { Ref: 'WsChannelsSuspendLambdaFunction' },
        AfterAllowTrafficHook: { Ref: 'WsChannelsResumeLambdaFunction' },
      });
      expect(
        JSON.stringify(
          perRoute.Resources[`${name}WebsocketsIntegration`]?.Properties?.IntegrationUri,
        ),
        name,
      ).toContain(`${name}LambdaFunctionAliasLive`);
      const environment = perRoute.Resources[`${name}LambdaFunction`]?.Properties?.Environment as {
        Variables?: Record<string, unknown>;
      };
      expect(environment?.Variables, name).toMatchObject({
        CONNECTIONS_TABLE: 'scratch-dev-ws-channels-connections',
        RUNS_TABLE: 'scratch-dev-ws-channels-runs',
      });
    }
    // Assess: the hooks report for these three groups and no other; the app's functions for none.
    const reports = statements.filter(({ statement }) =>
      asArray(statement.Action).includes('codedeploy:PutLifecycleEventHookExecutionStatus'),
    );
    expect(reports.map(({ owner }) => owner)).toEqual(['WsChannelsRunRole']);
    expect(reports[0]?.statement.Resource).toEqual(
      Object.keys(routes).map((name) => ({ 'Fn::Sub': group(name) })),
    );
    const appActions = statements
      .filter(({ owner }) => owner === 'IamRoleLambdaExecution')
      .flatMap(({ statement }) => asArray(statement.Action));
    expect(appActions).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem']),
    );
  });

  describe("osls ws-channels status|resume (the operator commands, with the service's names)", () => {
    const dynamodb = useTestTables();

    /** `osls ws-channels <args>` on the scratch service, its tables those of DynamoDB Local. */
    const oslsCommand = async (args: readonly string[]) => {
      const { connectionsTable, runsTable } = dynamodb.tables;
      await writeFile(
        path.join(service, 'serverless-ops.yml'),
        serviceYaml(
          `    app: chat\n    connectionsTable: ${connectionsTable}\n    runsTable: ${runsTable}`,
        ),
      );
      return run(
        process.execPath,
        [osls, 'ws-channels', ...args, '--stage', 'dev', '--config', 'serverless-ops.yml'],
        {
          cwd: service,
          env: {
            ...environment,
            AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
          },
          timeout: 120_000,
        },
      ).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code?: number; stdout?: string; stderr?: string }) => ({
          code: error.code ?? -1,
          stdout: error.stdout ?? '',
          stderr: error.stderr ?? '',
        }),
      );
    };

    it("reads the stage's tables: status --json", async () => {
      const status = await oslsCommand(['status', '--json']);

      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout.trim().split('\n').at(-1) ?? '{}');
      expect(report).toMatchObject({
        target: {
          connectionsTable: dynamodb.tables.connectionsTable,
          runsTable: dynamodb.tables.runsTable,
        },
        window: null,
        suspended: 0,
        runs: [],
      });
    });

    it('checks its options as the bin does, and exits 2 naming the wrong one', async () => {
      const wrong = await oslsCommand(['resume', '--concurrency', '0']);

      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain('--concurrency is "0"; expected a whole number from 1 to');
    });
  });
});
