import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { pingRouteKey } from '../../functions/core/protocol/routes.js';
import {
  asArray,
  type CloudFormationTemplate,
  iamStatements,
  packageTemplate,
  packageTemplateWithoutDeploymentSettings,
  websocketDeploymentIds,
  websocketDeploymentNames,
} from '../support/packaged-template.js';

const { renameWebsocketDeployment } = createRequire(import.meta.url)(
  '../../plugins/stage-redeploy.cjs',
) as {
  renameWebsocketDeployment: (
    template: CloudFormationTemplate,
    fail: (message: string) => never,
  ) => { from: string; to: string } | undefined;
};

describe('the packaged CloudFormation template (osls package, offline, no credentials)', () => {
  let template: CloudFormationTemplate;

  beforeAll(async () => {
    template = await packageTemplate('dev');
  }, 120_000);

  const properties = (logicalId: string) => {
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`${logicalId} is not in the template`);
    return resource.Properties ?? {};
  };

  it('has the Connections table keyed by connectionId, with TTL and the sparse suspended index', () => {
    const table = properties('ConnectionsTable');
    expect(table.TableName).toBe('ws-channels-dev-connections');
    expect(table.KeySchema).toEqual([{ AttributeName: 'connectionId', KeyType: 'HASH' }]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'suspended',
        KeySchema: [
          { AttributeName: 'suspendShard', KeyType: 'HASH' },
          { AttributeName: 'connectionId', KeyType: 'RANGE' },
        ],
      }),
    ]);
  });

  it('has the Runs table keyed by runId, with TTL', () => {
    const table = properties('RunsTable');
    expect(table.KeySchema).toEqual([{ AttributeName: 'runId', KeyType: 'HASH' }]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('runs every function on nodejs22.x with a role of our own', () => {
    const functions = Object.entries(template.Resources).filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function',
    );
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const [, resource] of functions) {
      expect(resource.Properties?.Runtime).toBe('nodejs22.x');
      // RelayRole: the stand-in app's sendmessage (examples/echo/sendmessage.ts).
      expect(['RegistryRole', 'ChannelsRunRole', 'KeepaliveRole', 'RelayRole']).toContain(
        (resource.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined)?.['Fn::GetAtt']?.[0],
      );
    }
    expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it('names a resource in every IAM statement: no wildcard resource', () => {
    const statements = iamStatements(template);
    expect(statements.length).toBeGreaterThan(0);
    for (const { owner, statement } of statements) {
      for (const resource of asArray(statement.Resource)) {
        expect(resource, `${owner}: ${JSON.stringify(statement)}`).not.toBe('*');
        expect(JSON.stringify(resource), `${owner}`).not.toMatch(/execute-api:\*/);
      }
    }
  });

  it('scopes DynamoDB access to the two tables and their indexes', () => {
    for (const { owner, statement } of iamStatements(template)) {
      if (!asArray(statement.Action).some((action) => action.startsWith('dynamodb:'))) continue;
      for (const resource of asArray(statement.Resource)) {
        expect(JSON.stringify(resource), owner).toMatch(/ConnectionsTable|RunsTable/);
      }
    }
  });

  it("lets the registry handlers read only the deployment window's item of the Runs table", () => {
    const reads = iamStatements(template).filter(
      ({ owner, statement }) =>
        owner === 'RegistryRole' && JSON.stringify(statement.Resource).includes('RunsTable'),
    );
    expect(reads.map(({ statement }) => statement.Action)).toEqual(['dynamodb:GetItem']);
    expect(reads[0]?.statement.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['window#deployment'] },
    });
    expect(
      (properties('ConnectLambdaFunction').Environment as { Variables: Record<string, unknown> })
        .Variables,
    ).toMatchObject({ RUNS_TABLE: expect.anything(), NEW_CONNECTIONS_DURING_DEPLOYMENT: 'hold' });
  });

  it('scopes execute-api:ManageConnections to this API and stage', () => {
    const manage = iamStatements(template).filter(({ statement }) =>
      asArray(statement.Action).includes('execute-api:ManageConnections'),
    );
    expect(manage.length).toBeGreaterThan(0);
    for (const { statement } of manage) {
      for (const resource of asArray(statement.Resource)) {
        expect(resource).toEqual({
          'Fn::Sub':
            'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketsApi}/dev/POST/@connections/*',
        });
      }
    }
  });

  it('deploys the app handler through CodeDeploy with suspend before and resume after the shift', () => {
    const alias = template.Resources.DefaultLambdaFunctionAliasLive;
    expect(alias?.Type).toBe('AWS::Lambda::Alias');
    expect(alias?.UpdatePolicy?.CodeDeployLambdaAliasUpdate).toMatchObject({
      BeforeAllowTrafficHook: { Ref: 'SuspendLambdaFunction' },
      AfterAllowTrafficHook: { Ref: 'ResumeLambdaFunction' },
      DeploymentGroupName: { Ref: 'DefaultLambdaFunctionDeploymentGroup' },
    });
    const group = properties('DefaultLambdaFunctionDeploymentGroup');
    expect(group.DeploymentConfigName).toEqual({
      'Fn::Sub': ['CodeDeployDefault.Lambda${ConfigName}', { ConfigName: 'AllAtOnce' }],
    });
    expect(group.ServiceRoleArn).toEqual({ 'Fn::GetAtt': ['CodeDeployRole', 'Arn'] });
    // The WebSocket route calls the alias, so CodeDeploy's shift is what clients see.
    expect(JSON.stringify(properties('DefaultWebsocketsIntegration').IntegrationUri)).toContain(
      'DefaultLambdaFunctionAliasLive',
    );
  });

  it('lets only the hook functions report to CodeDeploy, for this deployment group only', () => {
    const report = iamStatements(template).filter(({ statement }) =>
      asArray(statement.Action).includes('codedeploy:PutLifecycleEventHookExecutionStatus'),
    );
    expect(report.map(({ owner }) => owner)).toEqual(['ChannelsRunRole']);
    const group = properties('DefaultLambdaFunctionDeploymentGroup');
    const application = Object.keys(template.Resources).find(
      (logicalId) => template.Resources[logicalId]?.Type === 'AWS::CodeDeploy::Application',
    );
    expect(application).toBeDefined();
    expect(asArray(report[0]?.statement.Resource)).toEqual([
      {
        'Fn::Sub': `arn:\${AWS::Partition}:codedeploy:\${AWS::Region}:\${AWS::AccountId}:deploymentgroup:\${${application}}/${group.DeploymentGroupName}`,
      },
    ]);
    const hookFunctions = Object.entries(template.Resources).filter(
      ([, resource]) =>
        resource.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(resource.Properties?.Role).includes('ChannelsRunRole'),
    );
    expect(hookFunctions.map(([logicalId]) => logicalId).sort()).toEqual([
      'ResumeLambdaFunction',
      'SuspendLambdaFunction',
    ]);
  });

  it('gives the suspend and resume functions the full 900 s and the run settings', () => {
    for (const logicalId of ['SuspendLambdaFunction', 'ResumeLambdaFunction']) {
      const fn = properties(logicalId);
      expect(fn.Timeout).toBe(900);
      expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        CONCURRENCY: '100',
        POST_TIMEOUT_MS: '1000',
        SUSPEND_SHARDS: '16',
        NODE_OPTIONS: expect.stringContaining('--max-old-space-size='),
      });
    }
  });

  describe('the WebSocket deployment, named after the final routes and integrations (plugins/stage-redeploy.cjs)', () => {
    let packagedAgain: CloudFormationTemplate;
    let withoutDeploymentSettings: CloudFormationTemplate;

    beforeAll(async () => {
      packagedAgain = await packageTemplate('dev');
      withoutDeploymentSettings = await packageTemplateWithoutDeploymentSettings('dev');
    }, 240_000);

    const deploymentId = (packaged: CloudFormationTemplate): string => {
      const ids = websocketDeploymentIds(packaged);
      expect(ids).toHaveLength(1);
      return ids[0] ?? '';
    };

    it('gets a new id when the canary plugin points $default at the alias', () => {
      // Without deploymentSettings the route calls the function itself: osls alone gave both the
      // same id, so an existing stage kept that integration.
      const uri = withoutDeploymentSettings.Resources.DefaultWebsocketsIntegration?.Properties;
      expect(JSON.stringify(uri?.IntegrationUri)).not.toContain('DefaultLambdaFunctionAliasLive');
      expect(deploymentId(template)).not.toBe(deploymentId(withoutDeploymentSettings));
    });

    it('keeps its id when the same service is packaged twice', () => {
      expect(deploymentId(packagedAgain)).toBe(deploymentId(template));
    });

    it('is what the stage and every other reference name: no resource keeps the old name', () => {
      for (const packaged of [template, withoutDeploymentSettings]) {
        const id = deploymentId(packaged);
        expect(id).toMatch(/^WebsocketsDeployment[0-9a-f]{64}$/);
        expect(packaged.Resources.WebsocketsDeploymentStage?.Properties?.DeploymentId).toEqual({
          Ref: id,
        });
        expect(websocketDeploymentNames(packaged)).toEqual([id]);
      }
    });

    it('renames Ref, Fn::GetAtt, Fn::Sub and DependsOn; ignores no deployment; refuses two', () => {
      const fail = (message: string): never => {
        throw new Error(message);
      };
      const deployment = { Type: 'AWS::ApiGatewayV2::Deployment', Properties: { ApiId: 'abc' } };
      const synthetic: CloudFormationTemplate = {
        Resources: {
          WebsocketsDeploymentOld: deployment,
          WebsocketsDeploymentStage: {
            Type: 'AWS::ApiGatewayV2::Stage',
            Properties: { DeploymentId: { Ref: 'WebsocketsDeploymentOld' } },
          },
          Waiter: {
            Type: 'AWS::CloudFormation::WaitConditionHandle',
            DependsOn: 'WebsocketsDeploymentOld',
          },
        },
        Outputs: {
          Id: { Value: { 'Fn::GetAtt': ['WebsocketsDeploymentOld', 'DeploymentId'] } },
          Short: { Value: { 'Fn::GetAtt': 'WebsocketsDeploymentOld.DeploymentId' } },
          Sub: { Value: { 'Fn::Sub': '${WebsocketsDeploymentOld}/${WebsocketsDeploymentOld.X}' } },
        },
      };
      const renamed = renameWebsocketDeployment(synthetic, fail);
      expect(renamed?.from).toBe('WebsocketsDeploymentOld');
      expect(websocketDeploymentNames(synthetic)).toEqual([renamed?.to]);

      const noWebsockets: CloudFormationTemplate = { Resources: { Waiter: { Type: 'X' } } };
      expect(renameWebsocketDeployment(noWebsockets, fail)).toBeUndefined();
      expect(noWebsockets).toEqual({ Resources: { Waiter: { Type: 'X' } } });

      const two = {
        Resources: { WebsocketsDeploymentA: deployment, WebsocketsDeploymentB: deployment },
      };
      expect(() => renameWebsocketDeployment(two, fail)).toThrow(
        /expected one WebSocket deployment .* found 2 \(WebsocketsDeploymentA, WebsocketsDeploymentB\)/,
      );
    });
  });

  it('routes the keep-alive ping to a function of its own, outside the deployment, that may only log', () => {
    const route = properties('wsDashchannelsPeriodpingWebsocketsRoute');
    expect(route.RouteKey).toBe(pingRouteKey);
    // No route response: API Gateway sends the client nothing back.
    expect(route.RouteResponseSelectionExpression).toBeUndefined();
    const uri = JSON.stringify(properties('PingWebsocketsIntegration').IntegrationUri);
    expect(uri).toContain('PingLambdaFunction');
    expect(uri).not.toContain('Alias');
    expect(
      Object.values(template.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::CodeDeploy::DeploymentGroup' &&
          JSON.stringify(resource).includes('Ping'),
      ),
    ).toEqual([]);
    expect(properties('PingLambdaFunction').Role).toEqual({
      'Fn::GetAtt': ['KeepaliveRole', 'Arn'],
    });
    const statements = iamStatements(template).filter(({ owner }) => owner === 'KeepaliveRole');
    expect(statements.flatMap(({ statement }) => asArray(statement.Action)).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it('gives the suspend function RESUME_EXPECTED_WITHIN_MS, 15 minutes unless set per stage', () => {
    const variables = (
      properties('SuspendLambdaFunction').Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables.RESUME_EXPECTED_WITHIN_MS).toBe('900000');
  });
});
