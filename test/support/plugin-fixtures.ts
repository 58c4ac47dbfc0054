import type { Names } from '../../plugins/names.js';

// What the plugin's tests expect, written out once: the names it derives for a service `chat` on
// stage `dev`, and the two tables as CloudFormation renders them (literal values, not read from
// infra/: a test that compared the rendering with its own input would prove nothing).

export const chatNames: Names = {
  stage: 'dev',
  apiId: { Ref: 'WebsocketsApi' },
  functions: {
    suspend: 'chat-dev-wsChannelsSuspend',
    resume: 'chat-dev-wsChannelsResume',
    ping: 'chat-dev-wsChannelsPing',
  },
  deploymentGroups: {
    applicationLogicalId: 'ChatdevDeploymentApplication',
    names: ['chat-dev-ChatLambdaFunctionDeploymentGroup'],
  },
  appFunctionLogicalIds: ['ChatLambdaFunction'],
  deploymentAlarms: false,
  websocketEndpoint: 'http://localhost:3001',
};

/** The Connections table's properties: key connectionId, TTL, the sparse suspended index. */
export const expectedConnectionsTable = (tableName: string, indexName = 'suspended') => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'connectionId', AttributeType: 'S' },
    { AttributeName: 'suspendShard', AttributeType: 'N' },
  ],
  KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: indexName,
      KeySchema: [
        { AttributeName: 'suspendShard', KeyType: 'HASH' },
        { AttributeName: 'connectionId', KeyType: 'RANGE' },
      ],
      Projection: {
        ProjectionType: 'INCLUDE',
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
});

/** The Runs table's properties: key runId, TTL, no index. */
export const expectedRunsTable = (tableName: string) => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [{ AttributeName: 'runId', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'runId', KeyType: 'HASH' }],
  TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
  SSESpecification: { SSEEnabled: true },
});
