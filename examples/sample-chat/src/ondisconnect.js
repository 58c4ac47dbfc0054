import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { wsChannelsRegistry } from 'ws-channels/middleware';

// $disconnect, as AWS's sample chat has it: the connection leaves the app's own table. The
// middleware removes it from ws-channels' registry too, even if this handler fails.

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

async function onDisconnect(event) {
  await documents.send(
    new DeleteCommand({
      TableName: process.env.TABLE_NAME,
      Key: { connectionId: event.requestContext.connectionId },
    }),
  );
  return { statusCode: 200, body: 'Disconnected.' };
}

export const handler = middy().use(wsChannelsRegistry()).handler(onDisconnect);
