import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployHookReporter } from './lib/aws/codedeploy-reporter.js';
import { managementApiClient } from './lib/aws/management-api.js';
import { DynamoDBRunLog } from './lib/aws/run-log.js';
import { SignedManagementApiPoster } from './lib/aws/signed-poster.js';
import { DynamoDBSuspendStore } from './lib/aws/suspend-store.js';
import { channelRunHandler, coreLogger } from './lib/channel-handler.js';
import { readBulkConfig } from './lib/config.js';
import { systemClock } from './lib/core/ports.js';

// suspend (CodeDeploy BeforeAllowTraffic, or by hand): marks every active connection suspended
// by this run and posts it the suspend frame. See README "Running it from the console".
const logger = new Logger();

export const handler = channelRunHandler({
  kind: 'suspend',
  logger,
  metrics: new Metrics(),
  reporter: new CodeDeployHookReporter(),
  setup: () => {
    const config = readBulkConfig(process.env);
    const client = new DynamoDBClient({});
    return {
      config,
      // Signed by the SDK's SigV4 with the SDK client's credentials, without its per-call cost.
      poster: new SignedManagementApiPoster({
        endpoint: config.websocketEndpoint,
        client: managementApiClient({ endpoint: config.websocketEndpoint }),
        maxSockets: config.concurrency,
      }),
      runLog: new DynamoDBRunLog({ client, tableName: config.runsTable, clock: systemClock }),
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
