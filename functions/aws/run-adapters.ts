import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type RunConfig, runSettingsOf } from '../config/read-config.js';
import { maxConcurrency } from '../core/invocation/parse.js';
import type { Logger, RunKind } from '../core/ports.js';
import { systemClock } from '../core/ports.js';
import type { RunDependencies } from '../core/run/dependencies.js';
import { recordCalls } from './call-recording.js';
import { CodeDeployDeployments } from './codedeploy-deployments.js';
import { DynamoDBDeploymentWindow } from './deployment-window.js';
import { DynamoDBHookExecutions } from './hook-executions.js';
import { managementApiClient } from './management-api.js';
import { DynamoDBResumeStore } from './resume-store.js';
import { DynamoDBRunLease, DynamoDBRunRecords } from './run-table.js';
import { LambdaSelfInvoker } from './self-invoker.js';
import { SignedManagementApiPoster } from './signed-poster.js';
import { DynamoDBSuspendStore } from './suspend-store.js';
import { DynamoDBUndoStore } from './undo-store.js';

/**
 * The adapters of a suspend or resume run, on one DynamoDB client: the poster, the four views
 * of the Runs table (lease, records, hook executions, deployment window), the kind's store, and for suspend the resume store that undoes a failed one.
 */
export function runDependencies(kind: RunKind, config: RunConfig, logger: Logger): RunDependencies {
  const client = recordCalls(new DynamoDBClient({}));
  const table = { client, tableName: config.runsTable, clock: systemClock };
  return {
    settings: runSettingsOf(config),
    // Signed by the SDK's SigV4 with the SDK client's credentials, without its per-call cost.
    poster: new SignedManagementApiPoster({
      endpoint: config.websocketEndpoint,
      client: managementApiClient({ endpoint: config.websocketEndpoint }),
      // Never the cap: a console run may ask for more concurrency than configured, and the
      // agent opens sockets only as posts need them.
      maxSockets: Math.max(config.concurrency, maxConcurrency),
    }),
    lease: new DynamoDBRunLease(table),
    records: new DynamoDBRunRecords(table),
    hookExecutions: new DynamoDBHookExecutions(table),
    window: new DynamoDBDeploymentWindow(table),
    invoker: new LambdaSelfInvoker(),
    ...(kind === 'resume' ? { deployments: new CodeDeployDeployments({ logger }) } : {}),
    storeFor: (invocation) =>
      kind === 'suspend'
        ? new DynamoDBSuspendStore({
            client,
            tableName: config.connectionsTable,
            shards: config.suspendShards,
            connectionIds: invocation.request.connectionIds,
            logger,
          })
        : resumeStore(client, config, logger, invocation.request.connectionIds),
    ...(kind === 'suspend'
      ? {
          undoStoreFor: (suspendRunId: string) =>
            new DynamoDBUndoStore({
              client,
              tableName: config.connectionsTable,
              indexName: config.suspendedIndex,
              shards: config.suspendShards,
              suspendRunId,
              logger,
            }),
        }
      : {}),
  };
}

function resumeStore(
  client: DynamoDBClient,
  config: RunConfig,
  logger: Logger,
  connectionIds?: readonly string[],
): DynamoDBResumeStore {
  return new DynamoDBResumeStore({
    client,
    tableName: config.connectionsTable,
    indexName: config.suspendedIndex,
    shards: config.suspendShards,
    connectionIds,
    logger,
  });
}
