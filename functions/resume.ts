import { DynamoDBResumeStore } from './lib/aws/resume-store.js';
import { runFunction } from './lib/run-function.js';

// resume (CodeDeploy AfterAllowTraffic, or by hand): posts the resume frame to every suspended
// connection and records each result. See README "Running it from the console".
export const handler = runFunction(
  'resume',
  ({ client, config, invocation, logger }) =>
    new DynamoDBResumeStore({
      client,
      tableName: config.connectionsTable,
      indexName: config.suspendedIndex,
      shards: config.suspendShards,
      connectionIds: invocation.request.connectionIds,
      logger,
    }),
);
