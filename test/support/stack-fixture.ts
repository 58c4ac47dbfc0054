import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { InvokeTarget } from '../../scripts/lib/invoke.js';
import { freePorts, type LocalStack, startLocalStack } from '../../scripts/lib/local-stack.js';

// The local stack on free ports, with a DynamoDB client on its DynamoDB Local, for the
// end-to-end tests. `stop` ends everything it started.

export interface StackFixture {
  stack: LocalStack;
  documentClient: DynamoDBDocumentClient;
  /** Where the suspend and resume functions are invoked. */
  invokeTarget: InvokeTarget;
  read(
    tableName: string,
    key: Record<string, string>,
  ): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

export async function startStackFixture(
  options: { environment?: Record<string, string> } = {},
): Promise<StackFixture> {
  const stack = await startLocalStack({
    ports: await freePorts(),
    environment: options.environment,
  });
  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.awsEnvironment.AWS_ENDPOINT_URL_DYNAMODB,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  return {
    stack,
    documentClient,
    invokeTarget: { lambdaEndpoint: `http://localhost:${stack.ports.lambda}`, stage: stack.stage },
    read: (tableName, key) =>
      documentClient
        .send(new GetCommand({ TableName: tableName, Key: key }))
        .then((output) => output.Item),
    stop: async () => {
      documentClient.destroy();
      await stack.stop();
    },
  };
}
