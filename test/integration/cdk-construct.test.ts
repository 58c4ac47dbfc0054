import { App, Stack } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { WsChannels, type WsChannelsProps } from '../../cdk/index.js';
import { deploymentWindowKey, registryStatements } from '../../infra/index.js';

// The construct on the shapes of app a CDK team has besides the example's one router: a function
// per route (AWS's sample chat), tables of its own, a stage that deploys itself, wrong props.
// Synthesized in-process against the build's bundles.

interface Shape {
  readonly routes?: readonly string[];
  /** Routes that call the function itself rather than its alias. */
  readonly bare?: boolean;
  readonly autoDeploy?: boolean;
  readonly props?: (stack: Stack) => Partial<WsChannelsProps>;
}

/** AWS's sample chat: onconnect, ondisconnect and sendmessage, each its own function and route. */
function sampleChat(shape: Shape = {}) {
  const app = new App();
  const stack = new Stack(app, 'SampleChat');
  const handler = (id: string) =>
    new lambda.Function(stack, id, {
      code: lambda.Code.fromInline('export const handler = async () => ({ statusCode: 200 });'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
    });
  const [connect, disconnect, send] = [
    handler('OnConnect'),
    handler('OnDisconnect'),
    handler('SendMessage'),
  ];
  const api = new WebSocketApi(stack, 'Api', { routeSelectionExpression: '$request.body.action' });
  const stage = new WebSocketStage(stack, 'Stage', {
    webSocketApi: api,
    stageName: 'prod',
    autoDeploy: shape.autoDeploy ?? false,
  });
  const channels = new WsChannels(stack, 'WsChannels', {
    webSocketApi: api,
    stage,
    appFunctions: [connect, disconnect, send],
    registryFunctions: [connect, disconnect],
    ...shape.props?.(stack),
  });
  const routes: Array<[string, lambda.Function]> = [
    ['$connect', connect],
    ['$disconnect', disconnect],
    ['sendmessage', send],
  ];
  for (const [route, fn] of routes.filter(([key]) => (shape.routes ?? [key]).includes(key))) {
    const target = shape.bare ? fn : channels.aliasOf(fn);
    api.addRoute(route, { integration: new WebSocketLambdaIntegration(route, target) });
  }
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<
      string,
      { Type: string; Properties?: Record<string, unknown>; UpdatePolicy?: unknown }
    >;
  };
  const ofType = (type: string) =>
    Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  return { template, ofType, channels };
}

describe('the CDK construct on an app with a function per route (AWS sample chat)', () => {
  it('gives each app function an alias and a deployment group of its own, each with suspend before and resume after, and lets suspend and resume report to every group', () => {
    // Act
    const { ofType, channels } = sampleChat();
    // Assess
    const groups = ofType('AWS::CodeDeploy::DeploymentGroup').map(([id]) => id);
    expect(groups).toHaveLength(3);
    const suspend = channels.node.tryFindChild('Suspend');
    expect(suspend).toBeDefined();
    for (const groupId of groups) {
      const [[, alias] = ['', undefined]] = ofType('AWS::Lambda::Alias').filter(([, a]) =>
        JSON.stringify(a.UpdatePolicy).includes(`"DeploymentGroupName":{"Ref":"${groupId}"}`),
      );
      const { CodeDeployLambdaAliasUpdate: update = {} } = (alias?.UpdatePolicy ?? {}) as {
        CodeDeployLambdaAliasUpdate?: Record<string, unknown>;
      };
      expect(Object.keys(update)).toEqual(
        expect.arrayContaining(['BeforeAllowTrafficHook', 'AfterAllowTrafficHook']),
      );
    }
    const runPolicy = ofType('AWS::IAM::Policy').find(
      ([, policy]) => policy.Properties?.PolicyName === 'ws-channels-runs',
    );
    const { Statement: statements = [] } = (runPolicy?.[1].Properties?.PolicyDocument ?? {}) as {
      Statement?: unknown[];
    };
    const statement = JSON.stringify(
      statements.find((s) => JSON.stringify(s).includes('PutLifecycleEventHookExecutionStatus')),
    );
    for (const groupId of groups) expect(statement).toContain(`{"Ref":"${groupId}"}`);
  });

  it("puts the registry's environment and statements on $connect and $disconnect only", () => {
    const { ofType } = sampleChat();
    const registered = ofType('AWS::Lambda::Function')
      .filter(([, fn]) =>
        JSON.stringify(fn.Properties?.Environment ?? {}).includes('CONNECTIONS_TABLE'),
      )
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(registered.sort()).toEqual(
      ['OnConnect', 'OnDisconnect', 'WsChannelsResume', 'WsChannelsSuspend'].sort(),
    );
    // The registry's one read of the Runs table: the deployment window's item.
    const granted = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties).includes(deploymentWindowKey))
      .map(([id]) => id.replace(/ServiceRoleDefaultPolicy[0-9A-F]{8}$/, ''));
    expect(granted.sort()).toEqual(['OnConnect', 'OnDisconnect']);
    expect(registryStatements.length).toBeGreaterThan(0);
  });

  it('renames the stage deployment when a route changes, and keeps it when nothing does', () => {
    const deploymentOf = (shape: Shape) => {
      const { ofType } = sampleChat(shape);
      const [[id] = ['']] = ofType('AWS::ApiGatewayV2::Deployment');
      return id;
    };
    const all = deploymentOf({});
    expect(deploymentOf({})).toBe(all);
    expect(deploymentOf({ routes: ['$connect', '$disconnect'] })).not.toBe(all);
  });

  it('adds no deployment to a stage that deploys itself', () => {
    const { ofType, channels } = sampleChat({ autoDeploy: true });
    expect(ofType('AWS::ApiGatewayV2::Deployment')).toEqual([]);
    expect(channels.stageDeployment).toBeUndefined();
  });

  it("takes existing tables (no table of its own, their ARNs in the roles), the team's deployment config and Node 22", () => {
    const { ofType } = sampleChat({
      props: (stack) => ({
        tables: {
          connections: dynamodb.TableV2.fromTableName(stack, 'Connections', 'my-connections'),
          runs: dynamodb.TableV2.fromTableName(stack, 'Runs', 'my-runs'),
        },
        deploymentConfig: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
        runtime: 'nodejs22.x',
      }),
    });
    const runtimes = ofType('AWS::Lambda::Function')
      .filter(([id]) => id.startsWith('WsChannels'))
      .map(([, fn]) => fn.Properties?.Runtime);
    expect(runtimes).toEqual(['nodejs22.x', 'nodejs22.x', 'nodejs22.x']);
    expect(ofType('AWS::DynamoDB::GlobalTable')).toEqual([]);
    const policies = JSON.stringify(ofType('AWS::IAM::Policy'));
    expect(policies).toContain('table/my-connections');
    expect(policies).toContain('table/my-runs');
    for (const [, group] of ofType('AWS::CodeDeploy::DeploymentGroup')) {
      expect(group.Properties?.DeploymentConfigName).toBe(
        'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      );
    }
  });

  it('refuses to synthesize a route that calls an app function itself, past the alias CodeDeploy shifts', () => {
    expect(() => sampleChat({ bare: true, routes: ['sendmessage'] })).toThrow(
      /SampleChat\/Api\/sendmessage-Route\/sendmessage.* calls SampleChat\/SendMessage itself; point its route at aliasOf/,
    );
    expect(() => sampleChat({ routes: ['sendmessage'] })).not.toThrow();
  });

  it('refuses wrong settings with every problem named in one error', () => {
    let message = '';
    try {
      sampleChat({ props: () => ({ concurrency: 0, failOnErrorRatio: 2, suspendedIndex: 'x' }) });
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/^WsChannelsPropsError: ws-channels \(SampleChat\/WsChannels\): /);
    expect(message).toContain('concurrency is 0; expected a whole number from 1 to 900');
    expect(message).toContain('failOnErrorRatio is 2; expected a number from 0 to 1');
    expect(message).toContain('suspendedIndex is "x"; expected an index name');
  });
});
