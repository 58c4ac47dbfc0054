import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunConfig } from '../config.js';
import { maxConcurrency } from '../core/events.js';
import { type Clock, systemClock } from '../core/ports.js';
import { managementApiClient } from './management-api.js';
import { DynamoDBRunLease, DynamoDBRunRecords } from './run-table.js';
import { SignedManagementApiPoster } from './signed-poster.js';

/** The adapters suspend and resume share: the poster and both views of the Runs table. */
export function runAdapters(config: RunConfig, client: DynamoDBClient, clock: Clock = systemClock) {
  return {
    // Signed by the SDK's SigV4 with the SDK client's credentials, without its per-call cost.
    poster: new SignedManagementApiPoster({
      endpoint: config.websocketEndpoint,
      client: managementApiClient({ endpoint: config.websocketEndpoint }),
      // Never the cap: a console run may ask for more concurrency than configured, and the
      // agent opens sockets only as posts need them.
      maxSockets: Math.max(config.concurrency, maxConcurrency),
    }),
    lease: new DynamoDBRunLease({ client, tableName: config.runsTable, clock }),
    records: new DynamoDBRunRecords({ client, tableName: config.runsTable, clock }),
  };
}
