import {
  CodeDeployClient,
  type CodeDeployClientConfig,
  LifecycleEventAlreadyCompletedException,
  type LifecycleEventStatus,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpStatusOf } from '../../functions/core/sdk-error.js';
import {
  type CodeDeployEmulator,
  startCodeDeployEmulator,
} from '../support/codedeploy-emulator.js';
import { rejectionOf } from '../support/rejection.js';

// The CodeDeploy emulator, seen through the real SDK client.

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const region = 'us-east-1';

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
        expect(httpStatusOf(error)).toBe(httpStatus);
      } finally {
        await failing.stop();
      }
    },
  );
});
