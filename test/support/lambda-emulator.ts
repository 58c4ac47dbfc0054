import { readBoundedBody, startLoopbackServer } from './loopback-server.js';

// Loopback emulator of Lambda's Invoke call (POST /2015-03-31/functions/{name}/invocations),
// for the hand-over of a run to a new invocation: an asynchronous invoke (X-Amz-Invocation-Type:
// Event) is answered 202 at once, as Lambda queues it, and handed to `onEvent`. Point a client at
// it with AWS_ENDPOINT_URL_LAMBDA.

export interface LambdaInvocation {
  functionName: string;
  invocationType: string;
  payload: unknown;
  at: number;
}

export interface LambdaEmulator {
  readonly endpoint: string;
  readonly invocations: readonly LambdaInvocation[];
  stop(): Promise<void>;
}

const invokePath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const maxBodyBytes = 6 * 1024 * 1024;

export async function startLambdaEmulator(options: {
  onEvent: (invocation: LambdaInvocation) => void;
}): Promise<LambdaEmulator> {
  const invocations: LambdaInvocation[] = [];
  const server = await startLoopbackServer(async (request, response) => {
    const match = invokePath.exec(request.url?.split('?')[0] ?? '');
    if (request.method !== 'POST' || !match?.[1]) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Only Invoke is emulated' }));
      return;
    }
    const body = (await readBoundedBody(request, maxBodyBytes))?.toString('utf8');
    if (body === undefined) {
      response.writeHead(413, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'payload over 6 MB' }));
      return;
    }
    const invocation: LambdaInvocation = {
      functionName: decodeURIComponent(match[1]),
      invocationType: String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
      payload: body.length > 0 ? JSON.parse(body) : {},
      at: Date.now(),
    };
    invocations.push(invocation);
    if (invocation.invocationType !== 'Event') {
      response.writeHead(400, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'InvalidParameterValueException',
      });
      response.end(JSON.stringify({ message: 'Only asynchronous (Event) invokes are emulated' }));
      return;
    }
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end();
    options.onEvent(invocation);
  });
  return { endpoint: server.url, invocations, stop: () => server.stop() };
}
