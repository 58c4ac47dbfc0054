import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { functionKeys } from '../../infra/index.js';

// Invokes the suspend or resume function of a running local stack through serverless-offline's
// Lambda invoke API, as the console's Test tab or CodeDeploy would invoke it in AWS.

export type RunFunction = 'suspend' | 'resume';

export interface InvokeTarget {
  /** The Lambda invoke endpoint, e.g. http://localhost:3002. */
  lambdaEndpoint: string;
  stage: string;
  /** The service the functions belong to; by default this project's, `ws-channels`. */
  service?: string;
}

/**
 * The run's function key, as serverless-offline prints it (`λ: wsChannelsSuspend`): the plugin
 * adds the same functions to every service, this project's reference stack included.
 */
export function functionKeyOf(name: RunFunction): string {
  return functionKeys[name];
}

/** The run's Lambda function name: `{service}-{stage}-{function key}`. */
export function lambdaNameOf(target: InvokeTarget, name: RunFunction): string {
  return `${target.service ?? 'ws-channels'}-${target.stage}-${functionKeyOf(name)}`;
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
  return invokeFunction(target.lambdaEndpoint, lambdaNameOf(target, name), event);
}

/** Invokes any function of a local stack by its Lambda name and waits for its result. */
export async function invokeFunction(
  lambdaEndpoint: string,
  functionName: string,
  event: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const client = new LambdaClient({
    endpoint: lambdaEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A run can take minutes; the SDK's socket timeout must not end it first.
    requestHandler: { requestTimeout: 15 * 60 * 1000 },
    maxAttempts: 1,
  });
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
