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
import {
  CodeDeployClient,
  type CodeDeployClientConfig,
  LifecycleEventAlreadyCompletedException,
  type LifecycleEventStatus,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CodeDeployEmulator,
  startCodeDeployEmulator,
} from '../support/codedeploy-emulator.js';
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

/** The rejection of `promise`, failing the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, got a result');
}

function statusOf(error: Error): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
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
    expect(statusOf(error)).toBe(410);
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
    expect(statusOf(error)).toBe(410);
    expect(emulator.deliveredTo('gone-empty-1')).toBe(0);
  });

  it("'throttleOnce' answers 429 LimitExceededException once, then delivers", async () => {
    const error = await rejectionOf(post(client, 'throttle-once-1'));
    expect(error).toBeInstanceOf(LimitExceededException);
    expect(statusOf(error)).toBe(429);

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
    expect(statusOf(error)).toBe(500);
    expect((error as ApiGatewayManagementApiServiceException).$fault).toBe('server');
  });

  it("'forbidden' surfaces as ForbiddenException (403)", async () => {
    const error = await rejectionOf(post(client, 'forbidden-1'));

    expect(error).toBeInstanceOf(ForbiddenException);
    expect(statusOf(error)).toBe(403);
    expect(error.message).toBe('Forbidden');
  });

  it("'tooLarge' surfaces as PayloadTooLargeException (413) with its message", async () => {
    const error = await rejectionOf(post(client, 'too-large-1'));

    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect(statusOf(error)).toBe(413);
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

describe('behaviourFromMix', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `conn-${i}`);
  const mix = { gone: 0.05, goneEmpty: 0.02, throttleOnce: 0.01, hang: 0.001, error: 0.1 };

  it('gives each behaviour roughly its share of 10,000 ids', () => {
    const behaviourOf = behaviourFromMix(mix, 1);
    const counts = new Map<Behaviour, number>();
    for (const id of ids) {
      const behaviour = behaviourOf(id);
      counts.set(behaviour, (counts.get(behaviour) ?? 0) + 1);
    }
    // About 4 standard deviations of a binomial count around each expected share.
    const expectNear = (behaviour: Behaviour, share: number) => {
      const expected = share * ids.length;
      const slack = 4 * Math.sqrt(expected * (1 - share)) + 2;
      expect(Math.abs((counts.get(behaviour) ?? 0) - expected)).toBeLessThanOrEqual(slack);
    };
    expectNear('gone', 0.05);
    expectNear('goneEmpty', 0.02);
    expectNear('throttleOnce', 0.01);
    expectNear('hang', 0.001);
    expectNear('error', 0.1);
    expectNear('ok', 1 - 0.181);
    expect(counts.has('throttle')).toBe(false);
  });

  it('is deterministic for a seed, differs across seeds, and ignores key order', () => {
    const first = ids.map(behaviourFromMix(mix, 1));
    const second = ids.map(behaviourFromMix({ ...mix }, 1));
    const reordered = ids.map(
      behaviourFromMix(
        { error: 0.1, hang: 0.001, throttleOnce: 0.01, goneEmpty: 0.02, gone: 0.05 },
        1,
      ),
    );
    const otherSeed = ids.map(behaviourFromMix(mix, 2));

    expect(second).toEqual(first);
    expect(reordered).toEqual(first);
    expect(otherSeed).not.toEqual(first);
    expect(ids.map(behaviourFromMix({}))).toEqual(ids.map(() => 'ok'));
  });

  it('rejects fractions outside [0, 1] and mixes adding up to more than 1', () => {
    expect(() => behaviourFromMix({ gone: 1.5 })).toThrow(/mix.gone/);
    expect(() => behaviourFromMix({ gone: -0.1 })).toThrow(/mix.gone/);
    expect(() => behaviourFromMix({ gone: 0.6, hang: 0.6 })).toThrow(/add up to 1.2/);
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

describe('CodeDeploy emulator with the real SDK client', () => {
  let emulator: CodeDeployEmulator;
  const clients: CodeDeployClient[] = [];

  const codeDeployClient = (config: CodeDeployClientConfig = {}) => {
    const client = new CodeDeployClient({ region, credentials, ...config });
    clients.push(client);
    return client;
  };
  const report = (
    client: CodeDeployClient,
    lifecycleEventHookExecutionId: string,
    status: LifecycleEventStatus = 'Succeeded',
  ) =>
    client.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: 'd-EXAMPLE',
        lifecycleEventHookExecutionId,
        status,
      }),
    );

  beforeAll(async () => {
    emulator = await startCodeDeployEmulator();
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await emulator?.stop();
  });

  afterEach(() => emulator.reset());

  it('records a call made through AWS_ENDPOINT_URL_CODEDEPLOY', async () => {
    const previous = process.env.AWS_ENDPOINT_URL_CODEDEPLOY;
    process.env.AWS_ENDPOINT_URL_CODEDEPLOY = emulator.endpoint;
    try {
      const before = Date.now();
      const output = await report(codeDeployClient(), 'hook-1');

      expect(output.lifecycleEventHookExecutionId).toBe('hook-1');
      expect(emulator.calls).toEqual([
        {
          deploymentId: 'd-EXAMPLE',
          lifecycleEventHookExecutionId: 'hook-1',
          status: 'Succeeded',
          at: expect.any(Number),
        },
      ]);
      expect(emulator.calls[0]?.at).toBeGreaterThanOrEqual(before);
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_CODEDEPLOY;
      else process.env.AWS_ENDPOINT_URL_CODEDEPLOY = previous;
    }
  });

  it('waitForCalls resolves once the calls arrive and rejects on timeout', async () => {
    const client = codeDeployClient({ endpoint: emulator.endpoint });
    const waiting = emulator.waitForCalls(2, 5_000);
    await report(client, 'hook-a');
    await report(client, 'hook-b', 'Failed');
    expect((await waiting).map((call) => call.status)).toEqual(['Succeeded', 'Failed']);

    await expect(emulator.waitForCalls(3, 50)).rejects.toThrow(/expected 3 CodeDeploy call/);
  });

  it('refuses a second report of the same hook, as CodeDeploy does', async () => {
    const client = codeDeployClient({ endpoint: emulator.endpoint });
    await report(client, 'hook-1');
    const error = await rejectionOf(report(client, 'hook-1', 'Failed'));

    expect(error).toBeInstanceOf(LifecycleEventAlreadyCompletedException);
    expect(emulator.calls).toHaveLength(1);
    expect(emulator.rejected.map((call) => call.errorType)).toEqual([
      'LifecycleEventAlreadyCompletedException',
    ]);
  });

  it('refuses a report of a hook that got its status another way', async () => {
    const client = codeDeployClient({ endpoint: emulator.endpoint, maxAttempts: 1 });
    emulator.completeHook('d-EXAMPLE', 'hook-timed-out', 'Failed');

    const error = await rejectionOf(report(client, 'hook-timed-out'));

    expect(error).toBeInstanceOf(LifecycleEventAlreadyCompletedException);
    expect(error.name).toBe('LifecycleEventAlreadyCompletedException');
    expect(emulator.statusOf('d-EXAMPLE', 'hook-timed-out')).toBe('Failed');
    expect(emulator.calls).toEqual([]);
  });

  it('dropAnswers: the status is in, the answer is lost, and the SDK retry is told AlreadyCompleted', async () => {
    const dropping = await startCodeDeployEmulator({ dropAnswers: 1 });
    try {
      const once = codeDeployClient({ endpoint: dropping.endpoint, maxAttempts: 1 });
      const lost = await rejectionOf(report(once, 'hook-lost'));

      expect(lost).not.toBeInstanceOf(LifecycleEventAlreadyCompletedException);
      expect((lost as Error & { code?: string }).code).toBe('ECONNRESET');
      expect(dropping.statusOf('d-EXAMPLE', 'hook-lost')).toBe('Succeeded');
      expect(dropping.dropped.map((call) => call.lifecycleEventHookExecutionId)).toEqual([
        'hook-lost',
      ]);

      dropping.reset();
      const retrying = codeDeployClient({ endpoint: dropping.endpoint, maxAttempts: 3 });
      const error = await rejectionOf(report(retrying, 'hook-retried', 'Failed'));

      expect(error).toBeInstanceOf(LifecycleEventAlreadyCompletedException);
      expect(dropping.calls.map((call) => call.status)).toEqual(['Failed']);
      expect(dropping.dropped).toHaveLength(1);
      expect(dropping.rejected.map((call) => call.errorType)).toEqual([
        'LifecycleEventAlreadyCompletedException',
      ]);

      // The budget is spent: the next call is answered.
      const output = await report(retrying, 'hook-answered');
      expect(output.lifecycleEventHookExecutionId).toBe('hook-answered');
    } finally {
      await dropping.stop();
    }
  });

  it('refuses statuses a hook may not report', async () => {
    const client = codeDeployClient({ endpoint: emulator.endpoint, maxAttempts: 1 });
    const error = await rejectionOf(report(client, 'hook-1', 'InProgress'));

    expect(error.name).toBe('InvalidLifecycleEventHookExecutionStatusException');
    expect(emulator.calls).toHaveLength(0);
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const response = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'CodeDeploy_20141006.ListApplications',
      },
      body: '{}',
    });
    const body = (await response.json()) as { __type: string; message: string };

    expect(response.status).toBe(400);
    expect(body.__type).toMatch(/UnknownOperationException$/);
    expect(body.message).toContain('CodeDeploy_20141006.ListApplications');
  });

  it.each([
    ['internalFailure', 'InternalFailure', 500],
    ['throttling', 'ThrottlingException', 400],
  ] as const)(
    'failFirst with %s: the SDK retries until the call is recorded',
    async (failWith, errorType, httpStatus) => {
      const failing = await startCodeDeployEmulator({ failFirst: 2, failWith });
      try {
        const client = codeDeployClient({ endpoint: failing.endpoint, maxAttempts: 3 });
        const output = await report(client, 'hook-retry');

        expect(output.$metadata.attempts).toBe(3);
        expect(failing.calls.map((call) => call.lifecycleEventHookExecutionId)).toEqual([
          'hook-retry',
        ]);
        expect(failing.rejected.map((call) => [call.errorType, call.httpStatus])).toEqual([
          [errorType, httpStatus],
          [errorType, httpStatus],
        ]);

        failing.reset();
        const once = codeDeployClient({ endpoint: failing.endpoint, maxAttempts: 1 });
        const error = await rejectionOf(report(once, 'hook-retry'));
        expect(error.name).toBe(errorType);
        expect(statusOf(error)).toBe(httpStatus);
      } finally {
        await failing.stop();
      }
    },
  );
});
