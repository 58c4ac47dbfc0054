import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { MessagePoster } from '../core/ports.js';
import { errorCodeOf } from '../core/sdk-error.js';
import { type CallRecorder, callRecorder } from './call-recording.js';
import { Sha256 } from './sha256.js';

// PostToConnection without the SDK's middleware stack: the same request the SDK sends (method,
// path, body, content type), signed by the SDK's own SigV4 signer with the SDK client's own
// credentials and region, sent on a keep-alive agent. The SDK spends about 0.5 ms of CPU per
// post in serialization, middleware and parsing; a run of 100,000 posts is CPU-bound on that.
// test/unit/signed-poster.test.ts checks the signatures against the SDK's.

export interface SignedPosterOptions {
  /** WEBSOCKET_ENDPOINT: https://{apiId}.execute-api.{region}.amazonaws.com/{stage} */
  endpoint: string;
  /** Where credentials and region come from: the SDK client's own resolved config. */
  client: ApiGatewayManagementApiClient;
  maxSockets: number;
}

/** What the SDK's error would carry: classified the same way (by status, then by name). */
export class ManagementApiError extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly $fault: 'client' | 'server';
  constructor(status: number, name: string, message: string) {
    super(message || `PostToConnection answered ${status}`);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
    this.$fault = status >= 500 ? 'server' : 'client';
  }
}

const maxErrorBody = 4 * 1024;
/** How Node's HTTP client reports a socket the server had closed: `socket hang up`, EPIPE. */
const staleSocketCodes = new Set(['ECONNRESET', 'EPIPE']);

export class SignedManagementApiPoster implements MessagePoster {
  readonly #url: URL;
  readonly #basePath: string;
  readonly #client: ApiGatewayManagementApiClient;
  readonly #agent: HttpAgent | HttpsAgent;
  readonly #httpRequest: typeof httpRequest;
  #signer: Promise<SignatureV4> | undefined;
  /** The IAM check's recorder (call-recording.ts); undefined, so free, in every deployment. */
  readonly #record: CallRecorder | undefined = callRecorder();
  /**
   * The last frame hashed and its SHA-256. Frames to connections opened with a frame key are
   * each distinct (about 1 µs to hash, less than a WeakMap's upkeep); frames to connections
   * without one are the same bytes for a whole run, hashed once.
   */
  #lastPayload: Uint8Array | undefined;
  #lastPayloadHash = '';

  constructor(options: SignedPosterOptions) {
    this.#url = new URL(options.endpoint);
    this.#basePath = this.#url.pathname.replace(/\/+$/, '');
    this.#client = options.client;
    const secure = this.#url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.#agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#httpRequest = secure ? httpsRequest : httpRequest;
  }

  /** The request the SDK would send for PostToConnection, unsigned. */
  request(connectionId: string, data: Uint8Array): HttpRequest {
    return new HttpRequest({
      method: 'POST',
      protocol: this.#url.protocol,
      hostname: this.#url.hostname,
      port: this.#url.port ? Number(this.#url.port) : undefined,
      path: `${this.#basePath}/@connections/${encodeURIComponent(connectionId)}`,
      headers: {
        host: this.#url.host,
        'content-type': 'application/octet-stream',
        'content-length': String(data.byteLength),
        // The signer uses this header when present instead of hashing the body again.
        'x-amz-content-sha256': this.#payloadHash(data),
      },
      body: data,
    });
  }

  async sign(request: HttpRequest, signingDate?: Date): Promise<HttpRequest> {
    const signer = await this.#signerOnce();
    return (await signer.sign(request, signingDate ? { signingDate } : undefined)) as HttpRequest;
  }

  async post(connectionId: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.#record?.({
      client: 'SignedManagementApiPoster',
      command: 'PostToConnectionCommand',
      input: { endpoint: this.#url.href, ConnectionId: connectionId },
    });
    const signed = await this.sign(this.request(connectionId, data));
    signal?.throwIfAborted();
    await this.#postOnce(signed, data, signal, true);
  }

  #postOnce(
    signed: HttpRequest,
    data: Uint8Array,
    signal: AbortSignal | undefined,
    mayRetryStaleSocket: boolean,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let answered = false;
      const outgoing = this.#httpRequest(
        {
          agent: this.#agent,
          method: signed.method,
          hostname: signed.hostname,
          port: signed.port,
          path: signed.path,
          headers: signed.headers,
          signal,
        },
        (response) => {
          answered = true;
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            // Drain, so the socket goes back to the pool.
            response.resume();
            response.once('end', resolve);
            response.once('error', reject);
            return;
          }
          readErrorBody(response).then((body) => reject(errorOf(status, response, body)), reject);
        },
      );
      outgoing.once('error', (error) => {
        // A kept-alive socket the server closed while it sat idle in the pool fails the next
        // request written on it, before any byte of answer: that request never reached API
        // Gateway, so it is sent again, once and at once (as the SDK's retry strategy does with
        // these errors), on the next socket the pool gives. A reset on a new socket, or after an
        // answer began, may have been taken: it is not retried. Were API Gateway ever to reset
        // after taking the frame, the client would get the same control frame twice, and the
        // client helper takes a second suspend or resume as a no-op.
        if (
          mayRetryStaleSocket &&
          outgoing.reusedSocket &&
          !answered &&
          !signal?.aborted &&
          staleSocketCodes.has(errorCodeOf(error) ?? '')
        ) {
          resolve(this.#postOnce(signed, data, signal, false));
          return;
        }
        reject(error);
      });
      outgoing.end(data);
    });
  }

  #payloadHash(data: Uint8Array): string {
    if (data !== this.#lastPayload) {
      this.#lastPayloadHash = createHash('sha256').update(data).digest('hex');
      this.#lastPayload = data;
    }
    return this.#lastPayloadHash;
  }

  destroy(): void {
    this.#agent.destroy();
  }

  #signerOnce(): Promise<SignatureV4> {
    this.#signer ??= (async () => {
      const config = this.#client.config;
      return new SignatureV4({
        service: 'execute-api',
        region: await config.region(),
        // The client's provider chain, memoized and refreshed by the SDK (Lambda role, env...).
        credentials: config.credentials,
        // Each secret a KeyObject once: Node 24's HMAC with a Buffer key is 8 times slower.
        sha256: Sha256,
        uriEscapePath: true,
        applyChecksum: true,
      });
    })();
    return this.#signer;
  }
}

function readErrorBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < maxErrorBody) body += chunk;
    });
    response.once('end', () => resolve(body));
    response.once('error', reject);
  });
}

function errorOf(status: number, response: IncomingMessage, body: string): ManagementApiError {
  // AWS names the error in a header (`GoneException:http://...` at times); serverless-offline
  // sends none, and the SDK then calls it `Unknown`.
  const header = response.headers['x-amzn-errortype'];
  const errorType = (Array.isArray(header) ? header[0] : header)?.split(':')[0];
  let message = '';
  try {
    const parsed = JSON.parse(body) as { message?: unknown; Message?: unknown };
    message = String(parsed.message ?? parsed.Message ?? '');
  } catch {
    message = body.slice(0, 200);
  }
  return new ManagementApiError(status, errorType || 'Unknown', message);
}
