import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployHookReporter } from './lib/aws/codedeploy-reporter.js';
import { DynamoDBResumeStore } from './lib/aws/resume-store.js';
import { runAdapters } from './lib/aws/run-adapters.js';
import { readRunConfig } from './lib/config.js';
import { coreLogger } from './lib/logger.js';
import { runEventHandler } from './lib/run-handler.js';

// resume (CodeDeploy AfterAllowTraffic, or by hand): posts the resume frame to every suspended
// connection and records each result. See README "Running it from the console".
const logger = new Logger();

export const handler = runEventHandler({
  kind: 'resume',
  logger,
  metrics: new Metrics(),
  reporter: new CodeDeployHookReporter(),
  dependencies: () => {
    const config = readRunConfig();
    const client = new DynamoDBClient({});
    return {
      config,
      ...runAdapters(config, client),
      storeFor: (invocation) =>
        new DynamoDBResumeStore({
          client,
          tableName: config.connectionsTable,
          indexName: config.suspendedIndex,
          shards: config.suspendShards,
          connectionIds: invocation.request.connectionIds,
          logger: coreLogger(logger),
        }),
    };
  },
});
