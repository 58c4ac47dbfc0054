import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunConfig } from '../config.js';
import type { Invocation } from '../core/events.js';
import { maxConcurrency } from '../core/events.js';
import type { ChannelStore } from '../core/ports.js';
import { systemClock } from '../core/ports.js';
import type { RunDependencies } from '../run-handler.js';
import { DynamoDBHookExecutions } from './hook-executions.js';
import { managementApiClient } from './management-api.js';
import { DynamoDBRunLease, DynamoDBRunRecords } from './run-table.js';
import { SignedManagementApiPoster } from './signed-poster.js';

/** What a kind adds to the shared adapters: its store, made per invocation. */
export type StoreMaker = (made: {
  client: DynamoDBClient;
  config: RunConfig;
  invocation: Invocation;
}) => ChannelStore;

/**
 * The adapters suspend and resume share, on one DynamoDB client: the poster, the three views of
 * the Runs table, and the kind's own store.
 */
export function runDependencies(config: RunConfig, storeFor: StoreMaker): RunDependencies {
  const client = new DynamoDBClient({});
  const table = { client, tableName: config.runsTable, clock: systemClock };
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
    lease: new DynamoDBRunLease(table),
    records: new DynamoDBRunRecords(table),
    hookExecutions: new DynamoDBHookExecutions(table),
    storeFor: (invocation) => storeFor({ client, config, invocation }),
  };
}
