import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { InvokeTarget } from '../../scripts/lib/invoke.js';
import { freePorts, type LocalStack, startLocalStack } from '../../scripts/lib/local-stack.js';
import { awsCallRecording } from './aws-calls.js';
import { type CodeDeployEmulator, startCodeDeployEmulator } from './codedeploy-emulator.js';
import { connectClient, type TestClient } from './ws-clients.js';

// Each end-to-end file runs against a local stack of its own on free ports. `useLocalStack`
// registers its start and its stop once for all of them, so that the stack (two processes and
// a Java child) is stopped whatever failed: a test, the start itself, or the start's hook timeout.

export interface StackFixture {
  stack: LocalStack;
  /** A DynamoDB client on the stack's DynamoDB Local. */
  documentClient: DynamoDBDocumentClient;
  /** Where the suspend and resume functions are invoked. */
  invokeTarget: InvokeTarget;
  read(
    tableName: string,
    key: Record<string, string>,
  ): Promise<Record<string, unknown> | undefined>;
  /**
   * A real client on the stack's WebSocket API, with its connection id; closed at the stop. With
   * `channelsKey` it connects with a frame key, as a socket for the client helper must.
   */
  connect(options?: { channelsKey?: boolean }): Promise<TestClient>;
}

export interface LocalStackOptions {
  /**
   * Extra variables for the functions. A function is called when the stack starts, after the
   * file's earlier `beforeAll` hooks, so it can name an emulator those started.
   */
  environment?: Record<string, string> | (() => Record<string, string>);
  /** More options for `osls offline start`. */
  offlineArgs?: readonly string[];
}

/** Starts the stack before the tests of the enclosing suite and stops it after them. */
export function useLocalStack(options: LocalStackOptions = {}): () => StackFixture {
  let starting: Promise<StackFixture & { stop(): Promise<void> }> | undefined;
  let fixture: StackFixture | undefined;

  // biome-ignore lint/correctness/noEmptyPattern: vitest passes the suite second and reads the first argument as fixtures, which must be a pattern.
  beforeAll(async ({}, suite) => {
    const { environment } = options;
    starting = startStackFixture(
      {
        // Every AWS call the functions make, for the IAM check (test/iam).
        ...(await awsCallRecording(suite.file.filepath)),
        ...(typeof environment === 'function' ? environment() : environment),
      },
      options.offlineArgs,
    );
    fixture = await starting;
  });

  // The stack's own account (Lambda errors, timeouts) is what explains a failed test.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      if (fixture)
        console.error(`Local stack output (end):\n${fixture.stack.output().slice(-20_000)}`);
    });
  });

  afterAll(async () => {
    // Awaited even when beforeAll gave up waiting, so that a stack that came up late is stopped.
    const started = await starting?.catch(() => undefined);
    await started?.stop();
  });

  return () => {
    if (!fixture) throw new Error('the local stack did not start');
    return fixture;
  };
}

/**
 * A CodeDeploy emulator for the enclosing suite. Call it before the stack's fixture: its hooks,
 * registered first, start it before the stack and stop it after.
 */
export function useCodeDeployEmulator(): () => CodeDeployEmulator {
  let emulator: CodeDeployEmulator | undefined;
  beforeAll(async () => {
    emulator = await startCodeDeployEmulator();
  });
  afterAll(() => emulator?.stop());
  return () => {
    if (!emulator) throw new Error('the CodeDeploy emulator did not start');
    return emulator;
  };
}

/**
 * A local stack whose hooks report to a CodeDeploy emulator (AWS_ENDPOINT_URL_CODEDEPLOY): the
 * emulator starts before the stack and stops after it.
 */
export function useLocalStackWithCodeDeploy(
  environment: Record<string, string> = {},
  options: Pick<LocalStackOptions, 'offlineArgs'> = {},
): {
  localStack: () => StackFixture;
  codeDeploy: () => CodeDeployEmulator;
} {
  const codeDeploy = useCodeDeployEmulator();
  const localStack = useLocalStack({
    ...options,
    environment: () => ({ ...environment, AWS_ENDPOINT_URL_CODEDEPLOY: codeDeploy().endpoint }),
  });
  return { localStack, codeDeploy };
}

async function startStackFixture(
  environment: Record<string, string> | undefined,
  offlineArgs: readonly string[] | undefined,
): Promise<StackFixture & { stop(): Promise<void> }> {
  const stack = await startLocalStack({ ports: await freePorts(), environment, offlineArgs });
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.awsEnvironment.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  const clients: TestClient[] = [];
  return {
    stack,
    documentClient,
    invokeTarget: { lambdaEndpoint: `http://localhost:${stack.ports.lambda}`, stage: stack.stage },
    read: (tableName, key) =>
      documentClient
        .send(new GetCommand({ TableName: tableName, Key: key }))
        .then((output) => output.Item),
    connect: async (options) => {
      const client = await connectClient(
        stack.websocketUrl,
        documentClient,
        stack.connectionsTable,
        options,
      );
      clients.push(client);
      return client;
    },
    stop: async () => {
      try {
        await Promise.allSettled(clients.map((client) => client.close()));
        documentClient.destroy();
      } finally {
        await stack.stop();
      }
    },
  };
}
