import { readFileSync } from 'node:fs';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { wsChannelsRegistry } from 'ws-channels/middleware';

// The chat: one function for every route, so that one CodeDeploy deployment shifts them all at
// once and ws-channels suspends and resumes the clients once (ws-channels docs/deployment.md, "Several routes").
//
// Protocol, client to server: {"action":"join","room","name"} and
// {"action":"send","room","name","id","text"}. Server to the room's members: {"type":"joined",
// "room","name"} and {"type":"message","room","from","id","text","version"}.

const membersTable = process.env.MEMBERS_TABLE;
// WEBSOCKET_ENDPOINT is set by the ws-channels plugin on every function with a websocket event:
// the @connections endpoint of this API (offline: http://localhost:3001).
const websocketEndpoint = process.env.WEBSOCKET_ENDPOINT;
if (!membersTable || !websocketEndpoint) {
  throw new Error('MEMBERS_TABLE and WEBSOCKET_ENDPOINT must be set');
}

// Read at cold start, as a version baked into the bundle would be. Locally, serverless-offline
// keeps one copy of the code for the whole run, so a demo "deploys" a new version by rewriting
// APP_VERSION_FILE, which each invocation reads.
const versionFile = process.env.APP_VERSION_FILE || undefined;
const bakedVersion = process.env.APP_VERSION ?? 'dev';
const appVersion = () =>
  versionFile ? readFileSync(versionFile, 'utf8').trim() || bakedVersion : bakedVersion;

// API Gateway closes every connection after 2 hours: a member whose $disconnect was lost expires.
const memberLifetimeSeconds = 2 * 60 * 60;

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const connections = new ApiGatewayManagementApiClient({ endpoint: websocketEndpoint });

const ok = { statusCode: 200 };
const badRequest = (message) => ({ statusCode: 400, body: message });

/** The connection ids of a room, with the names they joined under. */
async function membersOf(room) {
  const members = [];
  let startKey;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: membersTable,
        KeyConditionExpression: 'room = :room',
        ExpressionAttributeValues: { ':room': room },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    members.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return members;
}

function addMember(room, connectionId, name) {
  return documents.send(
    new PutCommand({
      TableName: membersTable,
      Item: {
        room,
        connectionId,
        name,
        expiresAt: Math.floor(Date.now() / 1000) + memberLifetimeSeconds,
      },
    }),
  );
}

function removeMember(room, connectionId) {
  return documents.send(
    new DeleteCommand({ TableName: membersTable, Key: { room, connectionId } }),
  );
}

/** Posts `message` to every member; a member that has gone (410) leaves the room. */
async function broadcast(room, members, message) {
  const data = JSON.stringify(message);
  // A chat room is small: one post per member at once. A room of thousands would want a bound.
  await Promise.all(
    members.map(async ({ connectionId }) => {
      try {
        await connections.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }),
        );
      } catch (error) {
        // serverless-offline's 410 carries no error type: classify by status code.
        if (error?.$metadata?.httpStatusCode !== 410) throw error;
        await removeMember(room, connectionId);
      }
    }),
  );
}

function parseBody(event, fields) {
  let body;
  try {
    body = JSON.parse(event.body ?? '');
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  return fields.every((field) => typeof body[field] === 'string' && body[field] !== '')
    ? body
    : undefined;
}

async function onJoin(event) {
  const body = parseBody(event, ['room', 'name']);
  if (!body) return badRequest('join needs a room and a name');
  const { connectionId } = event.requestContext;
  await addMember(body.room, connectionId, body.name);
  await broadcast(body.room, await membersOf(body.room), {
    type: 'joined',
    room: body.room,
    name: body.name,
  });
  return ok;
}

async function onSend(event) {
  const body = parseBody(event, ['room', 'name', 'id', 'text']);
  if (!body) return badRequest('send needs a room, a name, an id and a text');
  const { connectionId } = event.requestContext;
  const members = await membersOf(body.room);
  // Each message names its room and sender, so a message that overtakes its connection's join
  // (API Gateway invokes the function for each message, in no guaranteed order) joins it.
  if (!members.some((member) => member.connectionId === connectionId)) {
    await addMember(body.room, connectionId, body.name);
    members.push({ connectionId });
  }
  await broadcast(body.room, members, {
    type: 'message',
    room: body.room,
    from: body.name,
    id: body.id,
    text: body.text,
    version: appVersion(),
  });
  return ok;
}

async function onDisconnect(event) {
  const { connectionId } = event.requestContext;
  const rooms = await documents.send(
    new QueryCommand({
      TableName: membersTable,
      IndexName: 'byConnection',
      KeyConditionExpression: 'connectionId = :id',
      ExpressionAttributeValues: { ':id': connectionId },
    }),
  );
  await Promise.all((rooms.Items ?? []).map((item) => removeMember(item.room, connectionId)));
  return ok;
}

// @middy/ws-router is not on every registry: this is the few lines of it the chat needs, with the
// same shape ([{ routeKey, handler }]), dispatching on the event's route key.
function wsRouter(routes) {
  const byKey = new Map(routes.map((route) => [route.routeKey, route.handler]));
  return (event, context) => {
    const handler = byKey.get(event.requestContext?.routeKey);
    if (!handler) return { statusCode: 404, body: 'no such route' };
    return handler(event, context);
  };
}

// wsChannelsRegistry first: on $connect it refuses (429) a new connection while a deployment is
// under way, before the chat runs, and records the ones let in; on $disconnect it removes the
// connection from ws-channels' registry.
export const handler = middy()
  .use(wsChannelsRegistry())
  .handler(
    wsRouter([
      { routeKey: '$connect', handler: async () => ok },
      { routeKey: '$disconnect', handler: onDisconnect },
      { routeKey: 'join', handler: onJoin },
      { routeKey: 'send', handler: onSend },
    ]),
  );
