import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { Invoker } from '../core/ports.js';
import { recordCalls } from './call-recording.js';

// Hands a run over to a new invocation: an asynchronous invoke (InvocationType Event) of the
// function's own version or alias, so the new invocation runs the same code. The endpoint comes from the SDK's
// own AWS_ENDPOINT_URL_LAMBDA when it is set (serverless-offline's invoke API), AWS otherwise.

export class LambdaSelfInvoker implements Invoker {
  readonly #client: LambdaClient;

  constructor(options: { client?: LambdaClient; clientConfig?: LambdaClientConfig } = {}) {
    this.#client =
      options.client ?? recordCalls(new LambdaClient({ maxAttempts: 6, ...options.clientConfig }));
  }

  async invokeAsync(functionName: string, payload: unknown): Promise<void> {
    const output = await this.#client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload), 'utf8'),
      }),
    );
    // Lambda answers 202 when it has queued the event.
    if (output.StatusCode !== undefined && output.StatusCode >= 300) {
      throw new Error(
        `Lambda answered ${output.StatusCode} to the asynchronous invoke of ${functionName}`,
      );
    }
  }
}
