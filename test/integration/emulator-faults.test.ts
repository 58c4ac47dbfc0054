import {
  ApiGatewayManagementApiClient,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ManagementApiEmulator,
  type ManagementApiEmulatorOptions,
  startManagementApiEmulator,
} from '../support/management-api-emulator.js';
import { startManagementApiEmulatorProcess } from '../support/management-api-emulator-process.js';
import { rejectionOf, waitUntil } from '../support/rejection.js';

// The fault modes the fault suite needs from the Management API emulator, seen through the real
// SDK client: 429 storms over a window of time, socket resets, answers that come just after the
// client gave up (the frame was delivered all the same), and the count of frames per id that
// tells a double send.

const clients: ApiGatewayManagementApiClient[] = [];
const emulators: Array<{ stop(): Promise<void> }> = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const emulator of emulators.splice(0)) await emulator.stop();
});

async function emulatorWith(options: ManagementApiEmulatorOptions): Promise<ManagementApiEmulator> {
  const emulator = await startManagementApiEmulator({ recordFrames: true, ...options });
  emulators.push(emulator);
  return emulator;
}

function clientOf(endpoint: string): ApiGatewayManagementApiClient {
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
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

const outcomeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: Error) => error.name,
  );

describe('management API emulator fault modes with the real SDK client', () => {
  it("'reset' destroys the socket without an answer: ECONNRESET at the client, nothing delivered", async () => {
    const emulator = await emulatorWith({
      behaviourOf: (id) => (id === 'reset-1' ? 'reset' : 'ok'),
    });
    const client = clientOf(emulator.endpoint);

    const error = await rejectionOf(post(client, 'reset-1'));

    expect(error.message).toMatch(/socket hang up|ECONNRESET/);
    expect((error as { code?: string }).code).toBe('ECONNRESET');
    expect(emulator.postsTo('reset-1')).toBe(1);
    expect(emulator.deliveredTo('reset-1')).toBe(0);
    expect(emulator.faults()).toEqual({ reset: 1 });
    // The other ids are not disturbed.
    await post(client, 'ok-1');
    expect(emulator.deliveredTo('ok-1')).toBe(1);
  });

  it("'late' delivers the frame at once but answers after lateMs: the client timed out, the frame arrived", async () => {
    const emulator = await emulatorWith({ behaviourOf: () => 'late', lateMs: 400 });
    const client = clientOf(emulator.endpoint);

    const started = Date.now();
    const error = await rejectionOf(
      post(client, 'late-1', '{"type":"resume"}', AbortSignal.timeout(150)),
    );
    expect(error.name).toMatch(/Abort|Timeout/);
    expect(Date.now() - started).toBeLessThan(400);
    expect(emulator.deliveredTo('late-1')).toBe(1);
    expect(emulator.framesTo('late-1')).toEqual(['{"type":"resume"}']);

    // A patient client gets the 200, no sooner than lateMs.
    const output = await post(client, 'late-2');
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(emulator.faults()).toEqual({ late: 2 });
  });

  it('a storm from the first post answers every post 429 for its window, then the ids behave as before', async () => {
    const emulator = await emulatorWith({ storm: { durationMs: 300 } });
    const client = clientOf(emulator.endpoint);

    // The window opens at the first post, not at start.
    await new Promise((resolve) => setTimeout(resolve, 350));
    const first = await rejectionOf(post(client, 'storm-1'));
    expect(first).toBeInstanceOf(LimitExceededException);
    const during = await Promise.all(
      Array.from({ length: 10 }, (_, index) => outcomeOf(post(client, `storm-${index}`))),
    );
    expect(during).toEqual(Array.from({ length: 10 }, () => 'LimitExceededException'));

    expect(
      await waitUntil(async () => (await outcomeOf(post(client, 'after'))) === 'ok', {
        timeoutMs: 2_000,
        everyMs: 50,
      }),
    ).toBe(true);
    expect(emulator.deliveredTo('storm-1')).toBe(0);
    expect(emulator.faults().storm).toBeGreaterThanOrEqual(11);
  });

  it('startStorm opens a window at an instant; a throttleOnce id still owes its own 429 after it', async () => {
    const emulator = await emulatorWith({ behaviourOf: () => 'throttleOnce' });
    const client = clientOf(emulator.endpoint);

    emulator.startStorm(200, Date.now() + 200);
    expect(await outcomeOf(post(client, 'a'))).toBe('LimitExceededException');
    expect(await outcomeOf(post(client, 'a'))).toBe('ok');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await outcomeOf(post(client, 'b'))).toBe('LimitExceededException');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await outcomeOf(post(client, 'b'))).toBe('LimitExceededException');
    expect(await outcomeOf(post(client, 'b'))).toBe('ok');
    expect(emulator.faults()).toEqual({ throttleOnce: 2, storm: 1 });

    expect(() => emulator.startStorm(-1)).toThrow(/durationMs/);
  });

  it('doubleSent names the ids delivered the same frame type more than once', async () => {
    const emulator = await emulatorWith({});
    const client = clientOf(emulator.endpoint);
    await post(client, 'twice', '{"type":"suspend"}');
    await post(client, 'twice', '{"type":"resume","runId":"r1"}');
    await post(client, 'twice', '{"type":"resume","runId":"r2"}');
    await post(client, 'once', '{"type":"resume"}');
    await post(client, 'not-json', 'resume');
    await post(client, 'not-json', 'resume');

    expect(emulator.doubleSent('resume')).toEqual(new Map([['twice', 2]]));
    expect(emulator.doubleSent('suspend')).toEqual(new Map());
    expect(emulator.deliveredTo('twice')).toBe(3);
  });
});

describe('management API emulator process with the fault modes', () => {
  it('takes --reset, --late, --late-ms and --storm-ms, and serves its fault counts', async () => {
    const child = await startManagementApiEmulatorProcess({
      mix: { reset: 0.3, late: 0.3 },
      seed: 3,
      lateMs: 50,
      stormMs: 0,
    });
    emulators.push(child);
    const client = clientOf(child.endpoint);

    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, index) => outcomeOf(post(client, `p-${index}`))),
    );
    const faults = await child.faults();
    expect(faults.reset).toBe(outcomes.filter((outcome) => outcome !== 'ok').length);
    expect(faults.reset).toBeGreaterThan(5);
    expect(faults.late).toBeGreaterThan(5);
    // Every late one was delivered and answered (50 ms is well within the SDK's patience).
    expect((await child.delivered()).size).toBe(60 - (faults.reset ?? 0));

    await child.startStorm(60_000);
    expect(await outcomeOf(post(client, 'during-storm'))).toBe('LimitExceededException');
    expect((await child.faults()).storm).toBe(1);
  });
});
