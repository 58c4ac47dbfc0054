import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CodeDeployHookReporter } from './aws/codedeploy-reporter.js';
import { managementApiClient } from './aws/management-api.js';
import { DynamoDBRunLog } from './aws/run-log.js';
import { SignedManagementApiPoster } from './aws/signed-poster.js';
import { channelRunHandler, coreLogger } from './channel-handler.js';
import { type BulkConfig, readBulkConfig } from './config.js';
import type { Invocation } from './core/events.js';
import { maxConcurrency } from './core/events.js';
import type { ChannelStore, Logger as CoreLogger, RunKind } from './core/ports.js';
import { systemClock } from './core/ports.js';

// What the suspend and resume Lambdas have in common: the logger, metrics and CodeDeploy
// reporter made at cold start; the configuration and clients made on the first invocation, so a
// configuration error is reported to CodeDeploy like any other failure.

export interface StoreFactoryInput {
  client: DynamoDBClient;
  config: BulkConfig;
  invocation: Invocation;
  logger: CoreLogger;
}

export function runFunction(kind: RunKind, storeFor: (input: StoreFactoryInput) => ChannelStore) {
  const logger = new Logger();
  return channelRunHandler({
    kind,
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
          // Never the cap: a console run may ask for more concurrency than configured, and the
          // agent opens sockets only as posts need them.
          maxSockets: Math.max(config.concurrency, maxConcurrency),
        }),
        runLog: new DynamoDBRunLog({ client, tableName: config.runsTable, clock: systemClock }),
        storeFor: (invocation) =>
          storeFor({ client, config, invocation, logger: coreLogger(logger) }),
      };
    },
  });
}
