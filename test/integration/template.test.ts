import { beforeAll, describe, expect, it } from 'vitest';
import { pingRouteKey } from '../../functions/core/protocol/routes.js';
import {
  asArray,
  type CloudFormationTemplate,
  iamStatements,
  packageTemplate,
  packageTemplateWithoutGradualDeployment,
  websocketDeploymentIds,
  websocketDeploymentNames,
} from '../support/packaged-template.js';

// The reference stack (serverless.yml: the echo app with ws-channels' plugin, as a user adds it)
// packaged by osls: what the plugin renders from infra/, with the app around it.

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
    const table = properties('WsChannelsConnectionsTable');
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
    const table = properties('WsChannelsRunsTable');
    expect(table.TableName).toBe('ws-channels-dev-runs');
    expect(table.KeySchema).toEqual([{ AttributeName: 'runId', KeyType: 'HASH' }]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it("runs every function on nodejs24.x: ws-channels' on roles of its own, the app's on the framework's role, which holds only its logs and the registry", () => {
    const roles = Object.fromEntries(
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
        .map(([logicalId, resource]) => {
          expect(resource.Properties?.Runtime).toBe('nodejs24.x');
          const role = resource.Properties?.Role as { 'Fn::GetAtt'?: string[] } | undefined;
          return [logicalId, role?.['Fn::GetAtt']?.[0]];
        }),
    );
    expect(roles).toEqual({
      ConnectLambdaFunction: 'IamRoleLambdaExecution',
      DisconnectLambdaFunction: 'IamRoleLambdaExecution',
      DefaultLambdaFunction: 'IamRoleLambdaExecution',
      WsChannelsSuspendLambdaFunction: 'WsChannelsRunRole',
      WsChannelsResumeLambdaFunction: 'WsChannelsRunRole',
      WsChannelsPingLambdaFunction: 'WsChannelsKeepaliveRole',
      // The stand-in app's relay (examples/echo/sendmessage.ts) on a role of its own.
      SendmessageLambdaFunction: 'RelayRole',
    });
    // osls's own statements for the service's log groups, then the registry's: osls's
    // ManageConnections on every API and the canary plugin's hook status report are gone.
    const framework = iamStatements(template).filter(
      ({ owner }) => owner === 'IamRoleLambdaExecution',
    );
    expect(framework.map(({ statement }) => statement.Action)).toEqual([
      ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'],
      ['logs:PutLogEvents'],
      ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      ['dynamodb:GetItem'],
      ['execute-api:ManageConnections'],
    ]);
    for (const { statement } of framework.slice(0, 2)) {
      expect(JSON.stringify(statement.Resource)).toContain(
        ':log-group:/aws/lambda/ws-channels-dev',
      );
    }
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
        owner === 'IamRoleLambdaExecution' &&
        JSON.stringify(statement.Resource).includes('RunsTable'),
    );
    expect(reads.flatMap(({ statement }) => asArray(statement.Action))).toEqual([
      'dynamodb:GetItem',
    ]);
    expect(reads).toHaveLength(1);
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
          'Fn::Sub': [
            'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/dev/POST/@connections/*',
            { ApiId: { Ref: 'WebsocketsApi' } },
          ],
        });
      }
    }
  });

  it('deploys the app handler through CodeDeploy with suspend before and resume after the shift', () => {
    const alias = template.Resources.DefaultLambdaFunctionAliasLive;
    expect(alias?.Type).toBe('AWS::Lambda::Alias');
    expect(alias?.UpdatePolicy?.CodeDeployLambdaAliasUpdate).toMatchObject({
      BeforeAllowTrafficHook: { Ref: 'WsChannelsSuspendLambdaFunction' },
      AfterAllowTrafficHook: { Ref: 'WsChannelsResumeLambdaFunction' },
      DeploymentGroupName: { Ref: 'DefaultLambdaFunctionDeploymentGroup' },
    });
    const group = properties('DefaultLambdaFunctionDeploymentGroup');
    expect(group.DeploymentConfigName).toEqual({
      'Fn::Sub': ['CodeDeployDefault.Lambda${ConfigName}', { ConfigName: 'AllAtOnce' }],
    });
    expect(group.ServiceRoleArn).toEqual({ 'Fn::GetAtt': ['WsChannelsCodeDeployRole', 'Arn'] });
    // The WebSocket route calls the alias, so CodeDeploy's shift is what clients see.
    expect(JSON.stringify(properties('DefaultWebsocketsIntegration').IntegrationUri)).toContain(
      'DefaultLambdaFunctionAliasLive',
    );
  });

  it('lets only the hook functions report to CodeDeploy, for this deployment group only', () => {
    const report = iamStatements(template).filter(({ statement }) =>
      asArray(statement.Action).includes('codedeploy:PutLifecycleEventHookExecutionStatus'),
    );
    expect(report.map(({ owner }) => owner)).toEqual(['WsChannelsRunRole']);
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
        JSON.stringify(resource.Properties?.Role).includes('WsChannelsRunRole'),
    );
    expect(hookFunctions.map(([logicalId]) => logicalId).sort()).toEqual([
      'WsChannelsResumeLambdaFunction',
      'WsChannelsSuspendLambdaFunction',
    ]);
  });

  it('gives the suspend and resume functions the full 900 s and the run settings', () => {
    for (const logicalId of ['WsChannelsSuspendLambdaFunction', 'WsChannelsResumeLambdaFunction']) {
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

  describe('the WebSocket deployment, named after the final routes and integrations (plugins/stage-redeploy.ts)', () => {
    let packagedAgain: CloudFormationTemplate;
    let withoutGradualDeployment: CloudFormationTemplate;

    beforeAll(async () => {
      packagedAgain = await packageTemplate('dev');
      withoutGradualDeployment = await packageTemplateWithoutGradualDeployment('dev');
    }, 240_000);

    const deploymentId = (packaged: CloudFormationTemplate): string => {
      const ids = websocketDeploymentIds(packaged);
      expect(ids).toHaveLength(1);
      return ids[0] ?? '';
    };

    it('gets a new id when the canary plugin points $default at the alias', () => {
      // Without CodeDeploy the route calls the function itself: osls alone gave both the same
      // id, so an existing stage kept that integration.
      const uri = withoutGradualDeployment.Resources.DefaultWebsocketsIntegration?.Properties;
      expect(JSON.stringify(uri?.IntegrationUri)).not.toContain('DefaultLambdaFunctionAliasLive');
      expect(deploymentId(template)).not.toBe(deploymentId(withoutGradualDeployment));
    });

    it('keeps its id when the same service is packaged twice', () => {
      expect(deploymentId(packagedAgain)).toBe(deploymentId(template));
    });

    it('is what the stage and every other reference name: no resource keeps the old name', () => {
      for (const packaged of [template, withoutGradualDeployment]) {
        const id = deploymentId(packaged);
        expect(id).toMatch(/^WebsocketsDeployment[0-9a-f]{64}$/);
        expect(packaged.Resources.WebsocketsDeploymentStage?.Properties?.DeploymentId).toEqual({
          Ref: id,
        });
        expect(websocketDeploymentNames(packaged)).toEqual([id]);
      }
    });
  });

  it('routes the keep-alive ping to a function of its own, outside the deployment, that may only log', () => {
    const route = properties('wsDashchannelsPeriodpingWebsocketsRoute');
    expect(route.RouteKey).toBe(pingRouteKey);
    // No route response: API Gateway sends the client nothing back.
    expect(route.RouteResponseSelectionExpression).toBeUndefined();
    const uri = JSON.stringify(properties('WsChannelsPingWebsocketsIntegration').IntegrationUri);
    expect(uri).toContain('WsChannelsPingLambdaFunction');
    expect(uri).not.toContain('Alias');
    expect(
      Object.values(template.Resources).filter(
        (resource) =>
          resource.Type === 'AWS::CodeDeploy::DeploymentGroup' &&
          JSON.stringify(resource).includes('Ping'),
      ),
    ).toEqual([]);
    expect(properties('WsChannelsPingLambdaFunction').Role).toEqual({
      'Fn::GetAtt': ['WsChannelsKeepaliveRole', 'Arn'],
    });
    const statements = iamStatements(template).filter(
      ({ owner }) => owner === 'WsChannelsKeepaliveRole',
    );
    expect(statements.flatMap(({ statement }) => asArray(statement.Action)).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });

  it('gives the suspend function RESUME_EXPECTED_WITHIN_MS, 15 minutes unless set per stage', () => {
    const variables = (
      properties('WsChannelsSuspendLambdaFunction').Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables.RESUME_EXPECTED_WITHIN_MS).toBe('900000');
  });
});
