import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiServiceException,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf } from '../../functions/core/sdk-error.js';
import {
  type Behaviour,
  behaviourFromMix,
  jitteredLatency,
} from '../support/management-api-behaviours.js';
import {
  type ManagementApiEmulator,
  startManagementApiEmulator,
} from '../support/management-api-emulator.js';
import {
  emulatorCliPath,
  startManagementApiEmulatorProcess,
} from '../support/management-api-emulator-process.js';
import { rejectionOf } from '../support/rejection.js';

// The Management API emulator that stands in for API Gateway's @connections callbacks, seen
// through the real SDK client, in this process and in its own.

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const region = 'us-east-1';

function managementClient(endpoint: string) {
  return new ApiGatewayManagementApiClient({ endpoint, region, credentials, maxAttempts: 1 });
}

function post(
  client: ApiGatewayManagementApiClient,
  connectionId: string,
  data = '{"type":"resume"}',
  abortSignal?: AbortSignal,
) {
  return client.send(
    new PostToConnectionCommand({
      ConnectionId: connectionId,
      Data: new TextEncoder().encode(data),
    }),
    abortSignal ? { abortSignal } : undefined,
  );
}

describe('management API emulator with the real SDK client', () => {
  const behaviours: Record<string, Behaviour> = {
    'ok-1': 'ok',
    'gone-1': 'gone',
    'gone-empty-1': 'goneEmpty',
    'throttle-once-1': 'throttleOnce',
    'throttle-1': 'throttle',
    'error-1': 'error',
    'hang-1': 'hang',
    'forbidden-1': 'forbidden',
    'too-large-1': 'tooLarge',
  };
  const posted: Array<{ id: string; body: string }> = [];
  let emulator: ManagementApiEmulator;
  let client: ApiGatewayManagementApiClient;

  beforeAll(async () => {
    emulator = await startManagementApiEmulator({
      behaviourOf: (id) => behaviours[id] ?? 'ok',
      recordFrames: true,
      onPost: (id, body) => posted.push({ id, body }),
    });
    client = managementClient(emulator.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  afterEach(() => {
    emulator.reset();
    posted.length = 0;
  });

  it('answers 200 to ok ids, counts the post as delivered and records the frame', async () => {
    const output = await post(client, 'ok-1', '{"type":"suspend"}');
    await post(client, 'ok-1', '{"type":"resume"}');

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(emulator.postsTo('ok-1')).toBe(2);
    expect(emulator.deliveredTo('ok-1')).toBe(2);
    expect(emulator.framesTo('ok-1')).toEqual(['{"type":"suspend"}', '{"type":"resume"}']);
    expect(posted).toEqual([
      { id: 'ok-1', body: '{"type":"suspend"}' },
      { id: 'ok-1', body: '{"type":"resume"}' },
    ]);
    expect(emulator.stats()).toEqual({ totalPosts: 2, delivered: 2, maxInFlight: 1, inFlight: 0 });
  });

  it("'gone' surfaces as the SDK's GoneException (410)", async () => {
    const error = await rejectionOf(post(client, 'gone-1'));

    expect(error).toBeInstanceOf(GoneException);
    expect(error.name).toBe('GoneException');
    expect(httpStatusOf(error)).toBe(410);
    expect(error.message).toBe('Connection gone');
    expect(emulator.postsTo('gone-1')).toBe(1);
    expect(emulator.deliveredTo('gone-1')).toBe(0);
    expect(emulator.framesTo('gone-1')).toEqual([]);
  });

  it("'goneEmpty' (serverless-offline) surfaces as an error named Unknown with status 410", async () => {
    const error = await rejectionOf(post(client, 'gone-empty-1'));

    expect(error).not.toBeInstanceOf(GoneException);
    expect(error).toBeInstanceOf(ApiGatewayManagementApiServiceException);
    expect(error.name).toBe('Unknown');
    expect(httpStatusOf(error)).toBe(410);
    expect(emulator.deliveredTo('gone-empty-1')).toBe(0);
  });

  it("'throttleOnce' answers 429 LimitExceededException once, then delivers", async () => {
    const error = await rejectionOf(post(client, 'throttle-once-1'));
    expect(error).toBeInstanceOf(LimitExceededException);
    expect(httpStatusOf(error)).toBe(429);

    const output = await post(client, 'throttle-once-1');
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(emulator.postsTo('throttle-once-1')).toBe(2);
    expect(emulator.deliveredTo('throttle-once-1')).toBe(1);

    emulator.reset();
    const again = await rejectionOf(post(client, 'throttle-once-1'));
    expect(again).toBeInstanceOf(LimitExceededException);
  });

  it("'throttle' answers 429 every time", async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await rejectionOf(post(client, 'throttle-1'));
      expect(error).toBeInstanceOf(LimitExceededException);
    }
    expect(emulator.postsTo('throttle-1')).toBe(3);
    expect(emulator.deliveredTo('throttle-1')).toBe(0);
  });

  it("'error' answers 500, which the SDK names after the error-type header", async () => {
    const error = await rejectionOf(post(client, 'error-1'));

    // Not a modelled error of this service: the SDK builds its base exception with that name.
    expect(error).toBeInstanceOf(ApiGatewayManagementApiServiceException);
    expect(error.name).toBe('InternalServerErrorException');
    expect(httpStatusOf(error)).toBe(500);
    expect((error as ApiGatewayManagementApiServiceException).$fault).toBe('server');
  });

  it("'forbidden' surfaces as ForbiddenException (403)", async () => {
    const error = await rejectionOf(post(client, 'forbidden-1'));

    expect(error).toBeInstanceOf(ForbiddenException);
    expect(httpStatusOf(error)).toBe(403);
    expect(error.message).toBe('Forbidden');
  });

  it("'tooLarge' surfaces as PayloadTooLargeException (413) with its message", async () => {
    const error = await rejectionOf(post(client, 'too-large-1'));

    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect(httpStatusOf(error)).toBe(413);
    // The SDK moves the modelled `Message` member into `message` and deletes `Message`.
    expect(error.message).toBe('Message too long');
    expect((error as PayloadTooLargeException).Message).toBeUndefined();
  });

  it("'hang' never answers: the client's abort signal ends the call", async () => {
    const started = Date.now();
    const pending = post(client, 'hang-1', '{}', AbortSignal.timeout(300));
    const error = await rejectionOf(pending);

    expect(error.name).toMatch(/Abort|Timeout/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(emulator.postsTo('hang-1')).toBe(1);
    expect(emulator.deliveredTo('hang-1')).toBe(0);
    // The abort closes the socket; the server sees it go and the request leaves the in-flight count.
    for (let i = 0; i < 100 && emulator.stats().inFlight > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(emulator.stats().inFlight).toBe(0);
  });

  it('handles the stage-prefixed path and decodes URL-encoded ids', async () => {
    const staged = managementClient(`${emulator.endpoint}/production`);
    try {
      const id = 'DOvZ1cdTIAMCLtA=+/x';
      await post(staged, id, 'hello');
      expect(emulator.deliveredTo(id)).toBe(1);
      expect(emulator.framesTo(id)).toEqual(['hello']);
    } finally {
      staged.destroy();
    }
  });

  it('counts posts in flight and answers after the latency', async () => {
    const slow = await startManagementApiEmulator({ latencyMs: 100 });
    const slowClient = managementClient(slow.endpoint);
    try {
      const started = Date.now();
      await Promise.all(Array.from({ length: 20 }, (_, i) => post(slowClient, `c-${i}`)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(slow.stats()).toEqual({
        totalPosts: 20,
        delivered: 20,
        maxInFlight: 20,
        inFlight: 0,
      });
      expect(slow.framesTo('c-0')).toEqual([]);
    } finally {
      slowClient.destroy();
      await slow.stop();
    }
  });

  it('jitteredLatency stays within mean ± jitter and never goes below 0', () => {
    const values = [0, 0.5, 0.999999];
    let i = 0;
    const latency = jitteredLatency(20, 5, () => values[i++ % values.length] ?? 0);
    expect([latency('a'), latency('a'), latency('a')]).toEqual([15, 20, expect.closeTo(25, 3)]);
    expect(jitteredLatency(2, 10, () => 0)('a')).toBe(0);
  });

  it('serves stats, reset and the delivered list on its control routes', async () => {
    await post(client, 'ok-a');
    await post(client, 'ok-a');
    await post(client, 'ok b');
    await rejectionOf(post(client, 'gone-1'));

    const stats = await (await fetch(`${emulator.endpoint}/__emulator/stats`)).json();
    expect(stats).toEqual({ totalPosts: 4, delivered: 3, maxInFlight: 1, inFlight: 0 });

    const delivered = await (await fetch(`${emulator.endpoint}/__emulator/delivered`)).text();
    expect(delivered).toBe('ok-a 2\nok b 1\n');

    const reset = await fetch(`${emulator.endpoint}/__emulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(204);
    expect(emulator.stats().totalPosts).toBe(0);
    expect(emulator.postsTo('ok-a')).toBe(0);

    const unknown = await fetch(`${emulator.endpoint}/__emulator/nothing`);
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
  });

  it('stop() ends hanging requests and can be called twice', async () => {
    const own = await startManagementApiEmulator({ behaviourOf: () => 'hang' });
    const ownClient = managementClient(own.endpoint);
    try {
      const pending = rejectionOf(post(ownClient, 'x'));
      for (let i = 0; i < 100 && own.postsTo('x') === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(own.stats().inFlight).toBe(1);
      await Promise.all([own.stop(), own.stop()]);
      const error = await pending;
      expect(error.message).toMatch(/socket hang up|ECONNRESET/);
    } finally {
      ownClient.destroy();
      await own.stop();
    }
  });
});

describe('management API emulator in its own process', () => {
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

  it('starts, answers by the seeded mix, reports what it delivered, and stops', async () => {
    const mix = { gone: 0.3, throttle: 0.2 };
    const seed = 7;
    const child = await startManagementApiEmulatorProcess({ mix, seed, latencyMs: 2, jitterMs: 1 });
    const client = managementClient(child.endpoint);
    try {
      expect(child.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(child.pid).not.toBe(process.pid);

      const expected = behaviourFromMix(mix, seed);
      const ids = Array.from({ length: 200 }, (_, i) => `p-${i}`);
      const outcomes = await Promise.all(
        ids.map((id) =>
          post(client, id).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        ),
      );
      const names: Record<string, string> = {
        ok: 'ok',
        gone: 'GoneException',
        throttle: 'LimitExceededException',
      };
      expect(outcomes).toEqual(ids.map((id) => names[expected(id)]));

      const okIds = ids.filter((id) => expected(id) === 'ok');
      expect(okIds.length).toBeGreaterThan(50);
      const delivered = await child.delivered();
      expect(delivered).toEqual(new Map(okIds.map((id) => [id, 1])));
      const stats = await child.stats();
      expect(stats).toMatchObject({ totalPosts: 200, delivered: okIds.length, inFlight: 0 });
      expect(stats.maxInFlight).toBeGreaterThan(1);

      await child.reset();
      expect(await child.stats()).toMatchObject({ totalPosts: 0, delivered: 0 });
      expect((await child.delivered()).size).toBe(0);
    } finally {
      client.destroy();
      await child.stop();
    }
    expect(() => process.kill(child.pid, 0)).toThrow(/ESRCH/);
    await child.stop();
  });

  it('rejects an unknown flag with a message naming it', async () => {
    const result = await new Promise<{ code: number | null; stderr: string; stdout: string }>(
      (resolve) => {
        const spawned = execFile(
          process.execPath,
          ['--import', tsxLoader, emulatorCliPath, '--port', '0', '--bogus', '1'],
          { timeout: 20_000 },
          (_error, stdout, stderr) => resolve({ code: spawned.exitCode, stdout, stderr }),
        );
      },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("'--bogus'");
    expect(result.stderr).toContain('usage:');
  });

  it('rejects a fraction out of range', async () => {
    await expect(startManagementApiEmulatorProcess({ mix: { gone: 2 } })).rejects.toThrow(
      /--gone must be a number in \[0, 1\]/,
    );
  });
});
