import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { recordCalls } from '../../functions/aws/call-recording.js';
import { ManagementApiPoster, managementApiClient } from '../../functions/aws/management-api.js';
import { readRouteConfig } from '../../functions/config/read-config.js';
import { websocketRoute } from '../../functions/handlers/route-handler.js';
import { relayToEveryMember } from './relay.js';

// sendmessage: what AWS's sample chat does with it, on a function of its own: the `data` of
// {"action":"sendmessage","data":"..."} goes, verbatim, to every connection of the Connections
// table. The reference stack keeps it to show that no client can forge the client helper's
// control frames through an app that relays client text.
const logger = new Logger();
const config = readRouteConfig();
const documents = DynamoDBDocumentClient.from(recordCalls(new DynamoDBClient({})));
const poster = new ManagementApiPoster(managementApiClient({ endpoint: config.websocketEndpoint }));

async function* connectionIds(): AsyncGenerator<readonly string[]> {
  const pages = paginateScan(
    { client: documents },
    { TableName: config.connectionsTable, ProjectionExpression: 'connectionId' },
  );
  for await (const page of pages) {
    yield (page.Items ?? []).map((item) => String(item.connectionId));
  }
}

export const handler = websocketRoute(relayToEveryMember({ connectionIds, poster }), logger);
