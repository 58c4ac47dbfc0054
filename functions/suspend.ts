import { DynamoDBSuspendStore } from './lib/aws/suspend-store.js';
import { runFunction } from './lib/run-function.js';

// suspend (CodeDeploy BeforeAllowTraffic, or by hand): marks every active connection suspended
// by this run and posts it the suspend frame. See README "Running it from the console".
export const handler = runFunction(
  'suspend',
  ({ client, config, invocation, logger }) =>
    new DynamoDBSuspendStore({
      client,
      tableName: config.connectionsTable,
      shards: config.suspendShards,
      connectionIds: invocation.request.connectionIds,
      logger,
    }),
);
