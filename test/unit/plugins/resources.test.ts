import { describe, expect, it } from 'vitest';
import {
  codeDeployRole,
  connectionsTable,
  keepaliveRole,
  registryStatements,
  runRole,
  runsTable,
} from '../../../infra/index.js';
import {
  type ResourceContext,
  renderStatements,
  roleResource,
  tableResource,
} from '../../../plugins/resources.js';
import {
  chatNames,
  expectedConnectionsTable,
  expectedRunsTable,
} from '../../support/plugin-fixtures.js';

// infra/ rendered as CloudFormation, against the template written out here: the tables, each
// role's statements with every ARN, and what changes with existing tables, a stage without
// CodeDeploy and a VPC.

const arn = (service: string, rest: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${rest}`,
});

const names = chatNames;
const context: ResourceContext = {
  names,
  tableNames: { connections: 'chat-connections', runs: 'chat-runs' },
  existingTables: false,
};

const manageConnections = {
  Effect: 'Allow',
  Action: ['execute-api:ManageConnections'],
  Resource: [
    {
      'Fn::Sub': [
        'arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/dev/POST/@connections/*',
        { ApiId: { Ref: 'WebsocketsApi' } },
      ],
    },
  ],
};
const lambdaTrust = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};
const statementsOf = (role: ReturnType<typeof roleResource>) =>
  (
    role.Properties?.Policies as Array<{ PolicyDocument: { Statement: unknown[] } }> | undefined
  )?.[0]?.PolicyDocument.Statement;

describe('tables', () => {
  it('renders the Connections table: key connectionId, TTL, the sparse index of suspended connections', () => {
    // Act
    const table = tableResource(connectionsTable('byShard'), 'chat-connections');
    // Assess
    expect(table).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: expectedConnectionsTable('chat-connections', 'byShard'),
    });
  });

  it('renders the Runs table: key runId, TTL, no index', () => {
    // Act
    const table = tableResource(runsTable, 'chat-runs');
    // Assess
    expect(table).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: expectedRunsTable('chat-runs'),
    });
  });
});

describe('roles', () => {
  it('lets suspend and resume log, use both tables and the index, post, hand over and report for the app group', () => {
    // Act
    const role = roleResource(runRole, context, false);
    // Assess
    expect(role).toEqual({
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: lambdaTrust,
        Policies: [
          {
            PolicyName: 'ws-channels-runs',
            PolicyDocument: { Version: '2012-10-17', Statement: expect.any(Array) },
          },
        ],
      },
    });
    expect(statementsOf(role)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [
          arn('logs', 'log-group:/aws/lambda/chat-dev-wsChannelsSuspend:*'),
          arn('logs', 'log-group:/aws/lambda/chat-dev-wsChannelsResume:*'),
        ],
      },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:Scan',
          'dynamodb:BatchGetItem',
          'dynamodb:PartiQLUpdate',
          'dynamodb:PartiQLDelete',
        ],
        Resource: [{ 'Fn::GetAtt': ['WsChannelsConnectionsTable', 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query', 'dynamodb:Scan'],
        Resource: [{ 'Fn::Sub': '${WsChannelsConnectionsTable.Arn}/index/*' }],
      },
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
        ],
        Resource: [{ 'Fn::GetAtt': ['WsChannelsRunsTable', 'Arn'] }],
      },
      manageConnections,
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [
          arn('lambda', 'function:chat-dev-wsChannelsSuspend'),
          arn('lambda', 'function:chat-dev-wsChannelsSuspend:*'),
          arn('lambda', 'function:chat-dev-wsChannelsResume'),
          arn('lambda', 'function:chat-dev-wsChannelsResume:*'),
        ],
      },
      {
        Effect: 'Allow',
        Action: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
        Resource: [
          arn(
            'codedeploy',
            'deploymentgroup:${ChatdevDeploymentApplication}/chat-dev-ChatLambdaFunctionDeploymentGroup',
          ),
        ],
      },
      {
        Effect: 'Allow',
        Action: ['codedeploy:GetDeployment'],
        Resource: [arn('codedeploy', 'deploymentgroup:${ChatdevDeploymentApplication}/*')],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [{ 'Fn::GetAtt': ['WsChannelsFailedEventsQueue', 'Arn'] }],
      },
    ]);
  });

  it('lets them report for every deployment group of a function per route, and no other', () => {
    // Prepare
    const perRoute: ResourceContext = {
      ...context,
      names: {
        ...names,
        deploymentGroups: {
          applicationLogicalId: 'ChatdevDeploymentApplication',
          names: [
            'chat-dev-OnconnectLambdaFunctionDeploymentGroup',
            'chat-dev-SendmessageLambdaFunctionDeploymentGroup',
          ],
        },
      },
    };
    // Act
    const statements = statementsOf(roleResource(runRole, perRoute, false));
    // Assess
    const report = statements?.find((statement) =>
      JSON.stringify(statement).includes('codedeploy:PutLifecycleEventHookExecutionStatus'),
    );
    expect(report).toEqual({
      Effect: 'Allow',
      Action: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
      Resource: [
        arn(
          'codedeploy',
          'deploymentgroup:${ChatdevDeploymentApplication}/chat-dev-OnconnectLambdaFunctionDeploymentGroup',
        ),
        arn(
          'codedeploy',
          'deploymentgroup:${ChatdevDeploymentApplication}/chat-dev-SendmessageLambdaFunctionDeploymentGroup',
        ),
      ],
    });
  });

  it('leaves the hook status out on a stage without CodeDeploy, and names existing tables by ARN', () => {
    // Prepare
    const elsewhere: ResourceContext = {
      ...context,
      names: { ...names, deploymentGroups: undefined },
      existingTables: true,
    };
    // Act
    const statements = statementsOf(roleResource(runRole, elsewhere, false));
    // Assess
    expect(JSON.stringify(statements)).not.toContain('codedeploy:');
    expect(statements?.slice(1, 4)).toMatchObject([
      { Resource: [arn('dynamodb', 'table/chat-connections')] },
      { Resource: [arn('dynamodb', 'table/chat-connections/index/*')] },
      { Resource: [arn('dynamodb', 'table/chat-runs')] },
    ]);
  });

  it('lets ping only log, and gives both Lambda roles, not CodeDeploy, the VPC policy in a VPC', () => {
    // Act
    const keepalive = roleResource(keepaliveRole, context, true);
    const run = roleResource(runRole, context, true);
    const codeDeploy = roleResource(codeDeployRole, context, true);
    // Assess
    const vpcAccess = {
      'Fn::Sub':
        'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    };
    expect(statementsOf(keepalive)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [arn('logs', 'log-group:/aws/lambda/chat-dev-wsChannelsPing:*')],
      },
    ]);
    expect(keepalive.Properties?.ManagedPolicyArns).toEqual([vpcAccess]);
    expect(run.Properties?.ManagedPolicyArns).toEqual([vpcAccess]);
    expect(JSON.stringify(codeDeploy)).not.toContain('AWSLambdaVPCAccessExecutionRole');
  });

  it("lets CodeDeploy shift the app function's alias only and invoke the two hooks, with no managed policy", () => {
    // Act
    const role = roleResource(codeDeployRole, context, false);
    // Assess
    expect(role.Properties).toEqual({
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'codedeploy.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      Policies: [
        {
          PolicyName: 'ws-channels-deploy-app',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: [
                  'lambda:GetAlias',
                  'lambda:UpdateAlias',
                  'lambda:GetProvisionedConcurrencyConfig',
                ],
                Resource: [
                  arn('lambda', 'function:${ChatLambdaFunction}'),
                  arn('lambda', 'function:${ChatLambdaFunction}:*'),
                ],
              },
              {
                Effect: 'Allow',
                Action: ['lambda:InvokeFunction'],
                Resource: [
                  arn('lambda', 'function:chat-dev-wsChannelsSuspend'),
                  arn('lambda', 'function:chat-dev-wsChannelsResume'),
                ],
              },
            ],
          },
        },
      ],
    });
  });

  it('lets CodeDeploy read the alarms of this account and region when the group rolls back on alarms', () => {
    // Act
    const role = roleResource(
      codeDeployRole,
      { ...context, names: { ...names, deploymentAlarms: true } },
      false,
    );
    // Assess
    expect(statementsOf(role)?.[2]).toEqual({
      Effect: 'Allow',
      Action: ['cloudwatch:DescribeAlarms'],
      Resource: [arn('cloudwatch', 'alarm:*')],
    });
  });

  it("gives the app's functions the registry's statements: the window item of the Runs table only", () => {
    // Act
    const statements = renderStatements(registryStatements, context);
    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        Resource: [{ 'Fn::GetAtt': ['WsChannelsConnectionsTable', 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem'],
        Resource: [{ 'Fn::GetAtt': ['WsChannelsRunsTable', 'Arn'] }],
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['window#deployment'] },
        },
      },
      manageConnections,
    ]);
  });
});
