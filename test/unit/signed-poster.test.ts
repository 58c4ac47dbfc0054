import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { HttpRequest } from '@smithy/protocol-http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SignedManagementApiPoster } from '../../functions/lib/aws/signed-poster.js';

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

  it('signs its own request with the same key, scope and payload hash', async () => {
    const signingDate = new Date('2026-11-24T12:34:56Z');
    const signed = await poster().sign(poster().request('Xk3P=', frame), signingDate);

    expect(signed.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261124\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(signed.headers['x-amz-date']).toBe('20261124T123456Z');
  });
});
