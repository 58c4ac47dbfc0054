import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { runTable, table } from '../cli/table.js';
import { invokeRun } from './lib/invoke.js';
import { freePorts, type LocalStack, startLocalStack } from './lib/local-stack.js';
import { connectClient, type TestClient } from './lib/ws-clients.js';

// `npm run demo`: the whole deployment cycle on the local stack, in one command. Starts the
// stack on free ports, connects 50 clients, closes 5, runs suspend, shows a new client refused
// while the deployment window is open, runs resume, connects 3 new clients, prints what each run
// did and what each client received, and stops everything.

const connected = 50;
const closing = 5;
const late = 3;

const step = (text: string) => console.log(`\n== ${text}`);

interface DemoClient {
  name: string;
  client: TestClient;
  note: string;
}

const typesOf = (client: TestClient) =>
  client.received.map((frame) => {
    try {
      return String((JSON.parse(frame) as { type?: unknown }).type);
    } catch {
      return 'text';
    }
  });

async function waitForFrames(clients: readonly DemoClient[], type: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (clients.every(({ client }) => typesOf(client).includes(type))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(): Promise<void> {
  let stack: LocalStack | undefined;
  let documentClient: DynamoDBDocumentClient | undefined;
  const clients: DemoClient[] = [];
  const stopAll = async () => {
    await Promise.allSettled(clients.map(({ client }) => client.close()));
    documentClient?.destroy();
    await stack?.stop();
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  try {
    step('Starting the local stack (serverless-offline + DynamoDB Local) on free ports');
    stack = await startLocalStack({ ports: await freePorts() });
    console.log(
      `WebSocket API: ${stack.websocketUrl}, Lambda invoke API: http://localhost:${stack.ports.lambda}`,
    );
    documentClient = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.awsEnvironment.AWS_ENDPOINT_URL_DYNAMODB,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const target = { lambdaEndpoint: `http://localhost:${stack.ports.lambda}`, stage: stack.stage };

    step(`Connecting ${connected} clients`);
    for (let index = 0; index < connected; index++) {
      // With a frame key, as sockets for the client helper are opened: each frame carries it.
      const client = await connectClient(
        stack.websocketUrl,
        documentClient,
        stack.connectionsTable,
        { channelsKey: true },
      );
      clients.push({ name: `client ${index + 1}`, client, note: 'open' });
    }

    step(`Closing ${closing} of them`);
    for (const demo of clients.slice(0, closing)) {
      await demo.client.close();
      demo.note = 'closed before suspend';
    }

    step('Running suspend (before CodeDeploy shifts traffic)');
    const suspend = await invokeRun(target, 'suspend');
    const open = clients.filter(({ note }) => note === 'open');
    await waitForFrames(open, 'suspend');
    console.log(
      `${open.filter(({ client }) => typesOf(client).includes('suspend')).length} of ${open.length} open clients got the suspend frame.`,
    );

    step('Connecting a new client while the deployment window is open');
    console.log(await refusal(stack.websocketUrl));

    step('Running resume (after the shift): it closes the window');
    const resume = await invokeRun(target, 'resume');
    await waitForFrames(open, 'resume');

    step(`Connecting ${late} new clients (never suspended, never resumed)`);
    const { websocketUrl, connectionsTable } = stack;
    const registry = documentClient;
    for (let index = 0; index < late; index++) {
      // $connect reads the deployment window through a one-second cache: a client that comes
      // within a second of the close may still be refused once, and tries again as the client
      // helper does.
      const client = await retryRefused(() =>
        connectClient(websocketUrl, registry, connectionsTable, { channelsKey: true }),
      );
      clients.push({ name: `new client ${index + 1}`, client, note: 'opened after resume' });
    }
    // A moment for any frame still on its way, so the table shows everything.
    await new Promise((resolve) => setTimeout(resolve, 300));

    step('Runs');
    console.log(runTable([suspend, resume]));
    step('Clients');
    console.log(
      table(
        ['client', 'connection', 'suspend frames', 'resume frames'],
        clients.map(({ name, client, note }) => {
          const types = typesOf(client);
          return [
            name,
            note,
            types.filter((type) => type === 'suspend').length,
            types.filter((type) => type === 'resume').length,
          ];
        }),
      ),
    );
  } finally {
    step('Stopping everything the demo started');
    await stopAll();
  }
}

/** What $connect answers a new connection during the window (NEW_CONNECTIONS_DURING_DEPLOYMENT). */
async function refusal(url: string): Promise<string> {
  const socket = new WebSocket(url);
  // Ending a refused handshake emits an error, which ws throws if nobody listens.
  socket.on('error', () => {});
  try {
    const answer = await Promise.race([
      once(socket, 'unexpected-response').then(
        ([, response]) =>
          `Refused with ${(response as IncomingMessage).statusCode}: held until the window closes (the client helper tries again with backoff).`,
      ),
      once(socket, 'open').then(() => 'Let in: NEW_CONNECTIONS_DURING_DEPLOYMENT is allow.'),
    ]);
    return answer;
  } finally {
    socket.terminate();
  }
}

await main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

/** Tries again, after 300 ms, a connection refused with 429; at most 10 times. */
async function retryRefused<T>(connect: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (attempt >= 10 || !String(error).includes('429')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}
