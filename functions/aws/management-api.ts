import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ApiGatewayManagementApiClient,
  type ApiGatewayManagementApiClientConfig,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { MessagePoster } from '../core/ports.js';
import { recordCalls } from './call-recording.js';

/**
 * A Management API client for `endpoint` whose HTTP agent keeps `maxSockets` connections alive
 * (the SDK's default is 50, which would cap any concurrency above it) and never retries on its
 * own: the bulk runner decides what is retried, so a timeout means one attempt, not three.
 */
export function managementApiClient(options: {
  endpoint: string;
  maxSockets?: number;
  clientConfig?: ApiGatewayManagementApiClientConfig;
}): ApiGatewayManagementApiClient {
  const maxSockets = options.maxSockets ?? 50;
  return recordCalls(
    new ApiGatewayManagementApiClient({
      endpoint: options.endpoint,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      }),
      ...options.clientConfig,
    }),
  );
}

/** Posts through the SDK's PostToConnection; errors are the SDK's, classified by the caller. */
export class ManagementApiPoster implements MessagePoster {
  readonly #client: ApiGatewayManagementApiClient;

  constructor(client: ApiGatewayManagementApiClient) {
    this.#client = client;
  }

  async post(connectionId: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.#client.send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }),
      signal ? { abortSignal: signal } : undefined,
    );
  }
}
