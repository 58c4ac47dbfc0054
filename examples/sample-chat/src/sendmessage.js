import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';

// sendmessage, as AWS's sample chat has it: {"action":"sendmessage","data":"..."} has its `data`
// posted, as it is, to every connection of the app's own table, through the app's own Management
// API client. ws-channels adds nothing here: the client helper holds what a suspended client sends,
// so this handler never runs for a suspended sender.

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// The sample builds the endpoint from the event, `https://${domainName}/${stage}`, which does not
// reach serverless-offline (http, another port, no stage). The ws-channels plugin sets
// WEBSOCKET_ENDPOINT on every function with a websocket event: this API's stage on AWS,
// serverless-offline's WebSocket port locally. The one line that changes:
const connections = new ApiGatewayManagementApiClient({ endpoint: process.env.WEBSOCKET_ENDPOINT });

export async function handler(event) {
  const { data } = JSON.parse(event.body ?? '{}');
  if (typeof data !== 'string') {
    return { statusCode: 400, body: 'Expected {"action":"sendmessage","data":"<text>"}' };
  }
  const pages = paginateScan(
    { client: documents },
    { TableName: process.env.TABLE_NAME, ProjectionExpression: 'connectionId' },
  );
  for await (const page of pages) {
    // A page at a time: the sample's Promise.all over every connection is unbounded.
    await Promise.all(
      (page.Items ?? []).map(async ({ connectionId }) => {
        try {
          await connections.send(
            new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }),
          );
        } catch (error) {
          // A member that has gone (410; serverless-offline's carries no error type) leaves.
          if (error?.$metadata?.httpStatusCode !== 410) throw error;
          await documents.send(
            new DeleteCommand({ TableName: process.env.TABLE_NAME, Key: { connectionId } }),
          );
        }
      }),
    );
  }
  return { statusCode: 200, body: 'Data sent.' };
}
