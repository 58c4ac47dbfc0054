// CloudFormation pieces the ws-channels plugin adds to a service: the two tables (as in
// infra/tables.yml) and least-privilege roles (the statements of infra/iam.yml, scoped to this
// service's function names, tables, API and deployment group). Pure functions: they take names
// and return template fragments; the plugin decides where they go.

/** Logical ids of what the plugin adds, prefixed so they never collide with the app's own. */
const LOGICAL_IDS = {
  connectionsTable: 'WsChannelsConnectionsTable',
  runsTable: 'WsChannelsRunsTable',
  runRole: 'WsChannelsRunRole',
  keepaliveRole: 'WsChannelsKeepaliveRole',
  codeDeployRole: 'WsChannelsCodeDeployRole',
};

const ACCOUNT_ARN = 'arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}';
const arnOf = (service, rest) => `${ACCOUNT_ARN.replace('%s', service)}:${rest}`;

/** The Connections table: key connectionId, TTL, the sparse index of suspended connections. */
function connectionsTable(tableName, indexName) {
  return {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'connectionId', AttributeType: 'S' },
        { AttributeName: 'suspendShard', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          // Sparse: only suspended connections carry suspendShard, so it lists exactly them.
          IndexName: indexName,
          KeySchema: [
            { AttributeName: 'suspendShard', KeyType: 'HASH' },
            { AttributeName: 'connectionId', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            // lastAttemptRun: a later part of a run (a hand-over) skips what the run tried.
            // frameKey: every frame to a connection carries the key its client connected with.
            NonKeyAttributes: [
              'suspendedBy',
              'suspendedAt',
              'resumeAttempts',
              'lastAttemptRun',
              'frameKey',
            ],
          },
        },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      SSESpecification: { SSEEnabled: true },
    },
  };
}

/** The Runs table: run records, the lease and the deployment window's item. */
function runsTable(tableName) {
  return {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'runId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'runId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    },
  };
}

/**
 * ARNs of the two tables: through the plugin's own resources (so the roles depend on them), or
 * by name when the tables exist already.
 */
function tableArns({ existingTables, connectionsTable: connections, runsTable: runs }) {
  if (existingTables) {
    const byName = (name) => ({ 'Fn::Sub': arnOf('dynamodb', `table/${name}`) });
    return {
      connections: byName(connections),
      connectionsIndexes: byName(`${connections}/index/*`),
      runs: byName(runs),
    };
  }
  return {
    connections: { 'Fn::GetAtt': [LOGICAL_IDS.connectionsTable, 'Arn'] },
    connectionsIndexes: { 'Fn::Sub': `\${${LOGICAL_IDS.connectionsTable}.Arn}/index/*` },
    runs: { 'Fn::GetAtt': [LOGICAL_IDS.runsTable, 'Arn'] },
  };
}

const logGroupArn = (functionName) => ({
  'Fn::Sub': arnOf('logs', `log-group:/aws/lambda/${functionName}:*`),
});

const functionArns = (functionName) => [
  { 'Fn::Sub': arnOf('lambda', `function:${functionName}`) },
  { 'Fn::Sub': arnOf('lambda', `function:${functionName}:*`) },
];

/** The @connections callbacks of this API and stage, and nothing else. */
const manageConnectionsArn = (apiId, stage) => ({
  'Fn::Sub': [arnOf('execute-api', `\${ApiId}/${stage}/POST/@connections/*`), { ApiId: apiId }],
});

/**
 * The statements the app's functions need for the registry middleware: register and remove
 * connections, read the deployment window's item of the Runs table (and no other item of it),
 * answer on their connections.
 */
function registryStatements({ tables, apiId, stage }) {
  return [
    {
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Resource: [tables.connections],
    },
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem'],
      Resource: [tables.runs],
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['window#deployment'] } },
    },
    {
      Effect: 'Allow',
      Action: ['execute-api:ManageConnections'],
      Resource: [manageConnectionsArn(apiId, stage)],
    },
  ];
}

/** What a function in a VPC needs to manage its network interfaces (an AWS managed policy). */
const VPC_ACCESS_POLICY = {
  'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
};

const lambdaTrust = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

const role = (trust, policyName, statements, extra = {}) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: trust,
    ...extra,
    Policies: [
      { PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } },
    ],
  },
});

/**
 * suspend and resume: write their logs, read and update both tables (and the suspended index),
 * post control frames, hand over to a new invocation of themselves, and report their hook's
 * status for the app's deployment group only (when the canary plugin deploys on this stage).
 */
function runRole({ tables, apiId, stage, suspendName, resumeName, deploymentGroup }) {
  const statements = [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logGroupArn(suspendName), logGroupArn(resumeName)],
    },
    {
      Effect: 'Allow',
      Action: [
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:BatchWriteItem',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
      ],
      Resource: [tables.connections, tables.connectionsIndexes, tables.runs],
    },
    {
      Effect: 'Allow',
      Action: ['execute-api:ManageConnections'],
      Resource: [manageConnectionsArn(apiId, stage)],
    },
    {
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [...functionArns(suspendName), ...functionArns(resumeName)],
    },
  ];
  if (deploymentGroup) {
    statements.push({
      Effect: 'Allow',
      Action: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
      Resource: [
        {
          'Fn::Sub': arnOf(
            'codedeploy',
            `deploymentgroup:\${${deploymentGroup.applicationLogicalId}}/${deploymentGroup.name}`,
          ),
        },
      ],
    });
  }
  return role(lambdaTrust, 'ws-channels-runs', statements);
}

/** ws-channels.ping answers nothing: its role may only write its logs. */
function keepaliveRole({ pingName }) {
  return role(lambdaTrust, 'ws-channels-keepalive', [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logGroupArn(pingName)],
    },
  ]);
}

/**
 * CodeDeploy's own role: shift the app's alias (the AWS managed policy for Lambda deployments)
 * and invoke the two hooks. The canary plugin's default would attach AWSLambda_FullAccess.
 */
function codeDeployRole({ suspendName, resumeName }) {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'codedeploy.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    ],
  };
  return role(
    trust,
    'ws-channels-invoke-hooks',
    [
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [
          { 'Fn::Sub': arnOf('lambda', `function:${suspendName}`) },
          { 'Fn::Sub': arnOf('lambda', `function:${resumeName}`) },
        ],
      },
    ],
    {
      ManagedPolicyArns: [
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited',
        },
      ],
    },
  );
}

module.exports = {
  VPC_ACCESS_POLICY,
  LOGICAL_IDS,
  connectionsTable,
  runsTable,
  tableArns,
  registryStatements,
  runRole,
  keepaliveRole,
  codeDeployRole,
};
