import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { HttpRequest } from '@smithy/protocol-http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignedManagementApiPoster } from '../../../functions/aws/signed-poster.js';
import { classifyPostError } from '../../../functions/core/posting/classify.js';

// The fast post path must send what the SDK sends and sign it as the SDK signs it. Request level:
// the SDK's request is captured by a request handler that never touches the network.

const endpoint = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'SECRET',
  sessionToken: 'TOKEN',
};

async function sdkRequest(connectionId: string, data: Uint8Array): Promise<HttpRequest> {
  let captured: HttpRequest | undefined;
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'eu-west-1',
    credentials,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        captured = request;
        return { response: { statusCode: 200, headers: {}, body: undefined } };
      },
    } as never,
  });
  await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
  client.destroy();
  if (!captured) throw new Error('the SDK sent nothing');
  return captured;
}

function poster() {
  const client = new ApiGatewayManagementApiClient({ endpoint, region: 'eu-west-1', credentials });
  return new SignedManagementApiPoster({ endpoint, client, maxSockets: 10 });
}

const frame = Buffer.from('{"type":"resume","runId":"resume-1"}');
const trickyIds = ['Xk3PqdJ2IAMCKYw=', 'a/b+c=', 'plain'];

describe('SignedManagementApiPoster', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(trickyIds)('builds the request the SDK sends for %s', async (connectionId) => {
    const sdk = await sdkRequest(connectionId, frame);

    const ours = poster().request(connectionId, frame);

    expect(ours.method).toBe(sdk.method);
    expect(ours.protocol).toBe(sdk.protocol);
    expect(ours.hostname).toBe(sdk.hostname);
    expect(ours.path).toBe(sdk.path);
    expect(ours.headers['content-type']).toBe(sdk.headers['content-type']);
    expect(ours.headers['content-length']).toBe(sdk.headers['content-length']);
    expect(Buffer.from(ours.body as Uint8Array).equals(Buffer.from(sdk.body as Uint8Array))).toBe(
      true,
    );
  });

  it.each(trickyIds)(
    'signs the SDK request for %s exactly as the SDK does',
    async (connectionId) => {
      const signingDate = new Date('2026-11-24T12:34:56Z');
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(signingDate);
      const sdk = await sdkRequest(connectionId, frame);
      const { authorization, 'x-amz-date': _date, ...unsigned } = sdk.headers;
      const { 'x-amz-security-token': _token, 'x-amz-content-sha256': _sha, ...headers } = unsigned;

      const ours = await poster().sign(
        Object.assign(Object.create(Object.getPrototypeOf(sdk)), sdk, { headers }),
        signingDate,
      );

      expect(authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261124\/eu-west-1\/execute-api/,
      );
      expect(ours.headers.authorization).toBe(authorization);
      expect(ours.headers['x-amz-security-token']).toBe('TOKEN');
      expect(ours.headers['x-amz-content-sha256']).toBe(sdk.headers['x-amz-content-sha256']);
    },
  );

  it('hashes each frame it is given, the same bytes again or a frame with another key', () => {
    const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    const ours = poster();
    const keyed = ['AAAAAAAAAAAAAAAAAAAAAA', 'BBBBBBBBBBBBBBBBBBBBBB'].map((key) =>
      Buffer.from(`{"type":"resume","runId":"resume-1","key":"${key}"}`),
    );

    for (const data of [frame, frame, ...keyed, frame, keyed[0] as Buffer]) {
      expect(ours.request('c=', data).headers['x-amz-content-sha256']).toBe(sha256(data));
    }
  });

  it('signs its own request with the same key, scope and payload hash', async () => {
    const signingDate = new Date('2026-11-24T12:34:56Z');
    const signed = await poster().sign(poster().request('Xk3P=', frame), signingDate);

    expect(signed.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261124\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(signed.headers['x-amz-date']).toBe('20261124T123456Z');
  });
});

// A loopback server stands in for API Gateway: it answers 200, or destroys the socket of the
// requests `shouldReset` picks before answering (what an idle keep-alive socket closed by the
// server looks like to the client). Loopback only: nothing leaves the machine.
interface LoopbackApi {
  endpoint: string;
  /** Each request, with the number of requests its socket had carried before it. */
  requests: { path: string; body: string; earlierOnSocket: number }[];
  close: () => Promise<void>;
}

async function loopbackApi(
  shouldReset: (request: { index: number; earlierOnSocket: number }) => boolean,
): Promise<LoopbackApi> {
  const requests: LoopbackApi['requests'] = [];
  const perSocket = new WeakMap<Socket, number>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const earlierOnSocket = perSocket.get(request.socket) ?? 0;
    perSocket.set(request.socket, earlierOnSocket + 1);
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.once('end', () => {
      const index = requests.length;
      requests.push({ path: request.url ?? '', body, earlierOnSocket });
      if (shouldReset({ index, earlierOnSocket })) request.socket.destroy();
      else response.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function loopbackPoster(endpoint: string, maxSockets = 1) {
  const client = new ApiGatewayManagementApiClient({ endpoint, region: 'eu-west-1', credentials });
  return new SignedManagementApiPoster({ endpoint, client, maxSockets });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the post to fail');
}

describe('SignedManagementApiPoster: a reset socket', () => {
  it('posts again, once, when a reused keep-alive socket is reset before any answer', async () => {
    // Prepare: every request after the first on a socket is reset, as a server that closed
    // the idle keep-alive connection would; one socket, so the second post reuses it.
    const api = await loopbackApi(({ earlierOnSocket }) => earlierOnSocket > 0);
    const poster = loopbackPoster(api.endpoint);
    try {
      await poster.post('first=', frame);

      // Act
      await poster.post('second=', frame);

      // Assess: the reset request, then its retry on a new socket, which got through.
      expect(api.requests.map(({ path, earlierOnSocket }) => [path, earlierOnSocket])).toEqual([
        ['/@connections/first%3D', 0],
        ['/@connections/second%3D', 1],
        ['/@connections/second%3D', 0],
      ]);
      expect(api.requests[2]?.body).toBe(frame.toString());
    } finally {
      poster.destroy();
      await api.close();
    }
  });

  it('retries only once: a retry that is reset too fails with the reset', async () => {
    const api = await loopbackApi(({ index }) => index > 0);
    const poster = loopbackPoster(api.endpoint);
    try {
      await poster.post('first=', frame);

      const error = await rejectionOf(poster.post('second=', frame));

      expect(api.requests).toHaveLength(3);
      expect(classifyPostError(error)).toMatchObject({ reason: 'failed', name: 'ECONNRESET' });
    } finally {
      poster.destroy();
      await api.close();
    }
  });

  it('does not retry a reset on a new socket, and names the failure by its code', async () => {
    // Prepare: a fresh socket carried the request; the server may have taken it.
    const api = await loopbackApi(() => true);
    const poster = loopbackPoster(api.endpoint);
    try {
      // Act
      const error = await rejectionOf(poster.post('only=', frame));

      // Assess
      expect(api.requests).toHaveLength(1);
      const failure = classifyPostError(error);
      expect(failure).toMatchObject({ reason: 'failed', name: 'ECONNRESET', status: undefined });
      // What the resume store writes as lastError.
      expect(`${failure.reason}: ${failure.name} ${failure.status}`).toBe(
        'failed: ECONNRESET undefined',
      );
    } finally {
      poster.destroy();
      await api.close();
    }
  });
});
