import { DynamoDBResumeStore } from './lib/aws/resume-store.js';
import { runDependencies } from './lib/aws/run-adapters.js';
import { readRunConfig } from './lib/config.js';
import { runEventHandler } from './lib/run-handler.js';

// resume (CodeDeploy AfterAllowTraffic, or by hand): posts the resume frame to every suspended
// connection and records each result. See README "Running it from the console".
export const handler = runEventHandler({
  kind: 'resume',
  dependencies: ({ logger }) =>
    runDependencies(
      readRunConfig(),
      ({ client, config, invocation }) =>
        new DynamoDBResumeStore({
          indexName: config.suspendedIndex,
          shards: config.suspendShards,
          client,
          tableName: config.connectionsTable,
          connectionIds: invocation.request.connectionIds,
          logger,
        }),
    ),
});
