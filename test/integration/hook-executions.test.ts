import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import { DynamoDBHookExecutions, hookExecutionKey } from '../../functions/aws/hook-executions.js';
import { PreconditionFailedError } from '../../functions/core/errors.js';
import type { LifecycleHook } from '../../functions/core/ports.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

// The hook executions of the Runs table against DynamoDB Local: the conditional writes that make
// a repeat delivery of a hook's event find the first.

describe('DynamoDBHookExecutions against DynamoDB Local', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  let now = Date.parse('2026-03-01T12:00:00Z');
  const clock = { now: () => now };
  const executions = () =>
    new DynamoDBHookExecutions({ client, tableName: tables.runsTable, clock });
  let hookCounter = 0;
  const newHook = (): LifecycleHook => ({
    deploymentId: 'd-INTEGRATION',
    lifecycleEventHookExecutionId: `hook-${++hookCounter}`,
  });
  const inTenMinutes = () => now + 600_000;
  /** One delivery's claim: `owner` is the invocation, in progress ten minutes unless told. */
  const claimAs = (
    store: DynamoDBHookExecutions,
    hook: LifecycleHook,
    owner: string,
    claim: { kind?: 'suspend' | 'resume'; inProgressUntil?: number } = {},
  ) =>
    store.claim(hook, {
      kind: claim.kind ?? 'resume',
      owner,
      inProgressUntil: claim.inProgressUntil ?? inTenMinutes(),
    });
  const readItem = (hook: LifecycleHook) =>
    documentClientFrom({ client })
      .send(new GetCommand({ TableName: tables.runsTable, Key: { runId: hookExecutionKey(hook) } }))
      .then((output) => output.Item);

  const dynamodb = useTestTables();
  beforeAll(async () => {
    ({ client, tables } = dynamodb);
  });

  it('lets the first delivery claim a hook; a second finds it in progress', async () => {
    const hook = newHook();

    const first = await claimAs(executions(), hook, 'first');
    const second = await claimAs(executions(), hook, 'second');

    expect(first).toEqual({ claimed: true });
    expect(second).toEqual({
      claimed: false,
      execution: {
        hook,
        kind: 'resume',
        state: 'in_progress',
        inProgressUntil: inTenMinutes(),
      },
    });
    expect(await readItem(hook)).toMatchObject({
      runId: `hook#${hook.lifecycleEventHookExecutionId}`,
      deploymentId: 'd-INTEGRATION',
      execution: 'in_progress',
      owner: 'first',
      expiresAt: Math.ceil(now / 1000) + 30 * 24 * 3600,
    });
  });

  it('completes for its owner only, and a repeat then finds the stored status and response', async () => {
    const hook = newHook();
    const store = executions();
    await claimAs(store, hook, 'first', { kind: 'suspend' });
    const response = {
      runId: 'suspend-1',
      counts: { total: 3, delivered: 2 },
      failures: [{ connectionId: 'c1', reason: 'gone', status: 410, message: undefined }],
      hookStatus: 'Succeeded',
    };

    const byOther = await store.complete(hook, 'second', { status: 'Failed', response: {} });
    const byOwner = await store.complete(hook, 'first', { status: 'Succeeded', response });
    const again = await store.complete(hook, 'first', { status: 'Failed', response: {} });
    const repeat = await claimAs(store, hook, 'repeat', { kind: 'suspend' });

    expect([byOther, byOwner, again]).toEqual([false, true, false]);
    expect(repeat).toMatchObject({
      claimed: false,
      execution: {
        kind: 'suspend',
        state: 'completed',
        status: 'Succeeded',
        response: {
          runId: 'suspend-1',
          counts: { total: 3, delivered: 2 },
          failures: [{ connectionId: 'c1', reason: 'gone', status: 410 }],
        },
      },
    });
  });

  it('marks a completed execution reported, and never one in progress or one out of nothing', async () => {
    const hook = newHook();
    const store = executions();
    const running = newHook();
    await claimAs(store, running, 'first');
    await store.markReported(running);
    await claimAs(store, hook, 'first');
    await store.complete(hook, 'first', { status: 'Failed', response: { state: 'failed' } });

    await store.markReported(hook);
    const unknown = newHook();
    await store.markReported(unknown);

    const repeat = await claimAs(store, hook, 'repeat');
    expect(repeat).toMatchObject({
      claimed: false,
      execution: { state: 'reported', status: 'Failed', response: { state: 'failed' } },
    });
    expect(await readItem(hook)).toMatchObject({ reportedAt: new Date(now).toISOString() });
    expect(await readItem(unknown)).toBeUndefined();
    expect(await readItem(running)).toMatchObject({ execution: 'in_progress' });
    expect(await readItem(running)).not.toHaveProperty('reportedAt');
  });

  it('lets a later delivery take over an execution whose holder is past its time (it died)', async () => {
    const hook = newHook();
    const store = executions();
    await claimAs(store, hook, 'dead', { inProgressUntil: now + 1_000 });

    const early = await claimAs(store, hook, 'early');
    now += 1_001;
    const late = await claimAs(store, hook, 'late');

    expect(early).toMatchObject({ claimed: false, execution: { state: 'in_progress' } });
    expect(late).toEqual({ claimed: true });
    // The one that was taken over cannot overwrite the new holder's result.
    expect(await store.complete(hook, 'dead', { status: 'Failed', response: {} })).toBe(false);
    expect(await store.complete(hook, 'late', { status: 'Succeeded', response: {} })).toBe(true);
    expect(await readItem(hook)).toMatchObject({ owner: 'late', hookStatus: 'Succeeded' });
  });

  it("renews only its holder's claim, and only while it is in progress (the heartbeat)", async () => {
    const hook = newHook();
    const store = executions();
    await claimAs(store, hook, 'holder', { inProgressUntil: now + 30_000 });

    expect(await store.extend(hook, 'someone else', now + 60_000)).toBe(false);
    expect(await store.extend(hook, 'holder', now + 60_000)).toBe(true);
    now += 45_000;
    const retry = await claimAs(store, hook, 'retry');
    await store.complete(hook, 'holder', { status: 'Succeeded', response: {} });

    expect(retry).toMatchObject({ claimed: false, execution: { state: 'in_progress' } });
    expect(await store.extend(hook, 'holder', now + 60_000)).toBe(false);
    expect(await readItem(hook)).toMatchObject({ execution: 'completed', owner: 'holder' });
  });

  it('never takes over a completed execution, however old', async () => {
    const hook = newHook();
    const store = executions();
    await claimAs(store, hook, 'first', { inProgressUntil: now + 1_000 });
    await store.complete(hook, 'first', { status: 'Succeeded', response: {} });
    now += 3_600_000;

    const repeat = await claimAs(store, hook, 'late');

    expect(repeat).toMatchObject({ claimed: false, execution: { state: 'completed' } });
  });

  it('names the table and RUNS_TABLE when the table is missing', async () => {
    const store = new DynamoDBHookExecutions({ client, tableName: 'no-such-runs', clock });

    await expect(
      store.claim(newHook(), { kind: 'resume', owner: 'x', inProgressUntil: inTenMinutes() }),
    ).rejects.toThrow(PreconditionFailedError);
    await expect(
      store.claim(newHook(), { kind: 'resume', owner: 'x', inProgressUntil: inTenMinutes() }),
    ).rejects.toThrow(/no-such-runs.*RUNS_TABLE/);
  });
});
