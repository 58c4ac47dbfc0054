import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployHookReporter } from './lib/aws/codedeploy-reporter.js';
import { runAdapters } from './lib/aws/run-adapters.js';
import { DynamoDBSuspendStore } from './lib/aws/suspend-store.js';
import { readRunConfig } from './lib/config.js';
import { coreLogger } from './lib/logger.js';
import { runEventHandler } from './lib/run-handler.js';

// suspend (CodeDeploy BeforeAllowTraffic, or by hand): marks every active connection suspended
// by this run and posts it the suspend frame. See README "Running it from the console".
const logger = new Logger();

export const handler = runEventHandler({
  kind: 'suspend',
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
        new DynamoDBSuspendStore({
          client,
          tableName: config.connectionsTable,
          shards: config.suspendShards,
          connectionIds: invocation.request.connectionIds,
          logger: coreLogger(logger),
        }),
    };
  },
});
