import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

// Invokes the suspend or resume function of a running local stack through serverless-offline's
// Lambda invoke API, as the console's Test tab or CodeDeploy would invoke it in AWS.

export type RunFunction = 'suspend' | 'resume';

export interface InvokeTarget {
  /** The Lambda invoke endpoint, e.g. http://localhost:3002. */
  lambdaEndpoint: string;
  stage: string;
}

export class FunctionError extends Error {
  constructor(
    readonly functionName: string,
    readonly payload: unknown,
  ) {
    const details =
      typeof payload === 'object' && payload !== null && 'errorMessage' in payload
        ? String(payload.errorMessage)
        : JSON.stringify(payload);
    super(`${functionName} failed: ${details}`);
    this.name = 'FunctionError';
  }
}

export async function invokeRun(
  target: InvokeTarget,
  name: RunFunction,
  event: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const client = new LambdaClient({
    endpoint: target.lambdaEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A run can take minutes; the SDK's socket timeout must not end it first.
    requestHandler: { requestTimeout: 15 * 60 * 1000 },
    maxAttempts: 1,
  });
  const functionName = `ws-channels-${target.stage}-${name}`;
  try {
    const output = await client.send(
      new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(event) }),
    );
    const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : 'null';
    const payload = JSON.parse(text) as unknown;
    if (output.FunctionError) throw new FunctionError(functionName, payload);
    return payload as Record<string, unknown>;
  } finally {
    client.destroy();
  }
}
