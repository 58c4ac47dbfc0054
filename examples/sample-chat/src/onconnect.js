import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { wsChannelsRegistry } from 'ws-channels/middleware';

// $connect, as AWS's sample chat has it: the connection joins the app's own table. The one line
// ws-channels adds is the middleware: while a deployment is under way it refuses the connection
// (429) before this handler runs; otherwise it records the connection in ws-channels' registry
// once this handler let it in.

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));

async function onConnect(event) {
  await documents.send(
    new PutCommand({
      TableName: process.env.TABLE_NAME,
      Item: { connectionId: event.requestContext.connectionId },
    }),
  );
  return { statusCode: 200, body: 'Connected.' };
}

export const handler = middy().use(wsChannelsRegistry()).handler(onConnect);
