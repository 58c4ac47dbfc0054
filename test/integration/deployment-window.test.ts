import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDBDeploymentWindow, windowId } from '../../functions/aws/deployment-window.js';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import { PreconditionFailedError } from '../../functions/core/errors.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

// The deployment window's item in the Runs table of infra/tables.ts, on DynamoDB Local: opened
// and joined by sibling suspends, left by their resumes (atomically), closed by the last.

describe('DynamoDBDeploymentWindow against DynamoDB Local', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  let window: DynamoDBDeploymentWindow;
  const now = Date.now();
  const item = () =>
    documentClientFrom({ client })
      .send(new GetCommand({ TableName: tables.runsTable, Key: { runId: windowId } }))
      .then((output) => output.Item);

  const dynamodb = useTestTables();
  beforeAll(async () => {
    ({ client, tables } = dynamodb);
    window = new DynamoDBDeploymentWindow({
      client,
      tableName: tables.runsTable,
      clock: { now: () => now },
    });
  });
  beforeEach(async () => {
    await window.close({ force: true });
  });

  it('is closed when there is no item', async () => {
    expect(await window.read()).toBeUndefined();
    expect(await window.leave('d-A')).toBeUndefined();
    expect(await window.close({ force: false })).toBe(true);
  });

  it('two sibling suspends at once both join one window (one id); the bound only moves later', async () => {
    const [a, b] = await Promise.all([
      window.open({ runId: 'suspend-A', deploymentId: 'd-A', now, openUntil: now + 60_000 }),
      window.open({ runId: 'suspend-B', deploymentId: 'd-B', now, openUntil: now + 90_000 }),
    ]);
    const c = await window.open({
      runId: 'suspend-C',
      deploymentId: 'd-C',
      now,
      openUntil: now + 30_000,
    });

    // Each suspend knows the window it is in: the same one, whoever opened it.
    expect(a.windowId).toMatch(/^[0-9a-f-]{36}$/);
    expect([b.windowId, c.windowId]).toEqual([a.windowId, a.windowId]);
    expect(await window.read()).toEqual({
      windowId: a.windowId,
      openedBy: 'suspend-B',
      openUntil: now + 90_000,
      deployments: ['d-A', 'd-B', 'd-C'],
    });
    // TTL a day past the bound, in epoch seconds.
    expect((await item())?.expiresAt).toBe(Math.ceil((now + 90_000) / 1000) + 86_400);
  });

  it('a window past its bound is replaced by a new one, with a fresh set', async () => {
    const dead = await window.open({
      runId: 'suspend-dead',
      deploymentId: 'd-dead',
      now: now - 120_000,
      openUntil: now - 60_000,
    });

    const fresh = await window.open({
      runId: 'suspend-A',
      deploymentId: 'd-A',
      now,
      openUntil: now + 60_000,
    });

    expect(fresh.windowId).not.toBe(dead.windowId);
    expect(await window.read()).toEqual({
      windowId: fresh.windowId,
      openedBy: 'suspend-A',
      openUntil: now + 60_000,
      deployments: ['d-A'],
    });
  });

  it('a manual suspend opens it with no deployment; a manual one joining an open window changes nothing', async () => {
    const first = await window.open({
      runId: 'suspend-1',
      deploymentId: null,
      now,
      openUntil: now + 60_000,
    });
    await window.open({ runId: 'suspend-2', deploymentId: null, now, openUntil: now + 30_000 });

    expect(await window.read()).toEqual({
      windowId: first.windowId,
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: [],
    });
    expect((await item())?.deployments).toBeUndefined();
  });

  it('resumes leave atomically: of two at once, exactly one sees the set empty', async () => {
    await window.open({ runId: 'suspend-A', deploymentId: 'd-A', now, openUntil: now + 60_000 });
    await window.open({ runId: 'suspend-B', deploymentId: 'd-B', now, openUntil: now + 60_000 });

    const left = await Promise.all([window.leave('d-A'), window.leave('d-B')]);

    expect(left.map((state) => state?.deployments.length).sort()).toEqual([0, 1]);
    expect(await window.read()).toMatchObject({ deployments: [] });
    expect((await item())?.deployments).toBeUndefined();
  });

  it('closes only when no deployment is left in it, unless forced', async () => {
    await window.open({ runId: 'suspend-A', deploymentId: 'd-A', now, openUntil: now + 60_000 });
    await window.open({ runId: 'suspend-B', deploymentId: 'd-B', now, openUntil: now + 60_000 });
    await window.leave('d-A');

    expect(await window.close({ force: false })).toBe(false);
    expect(await window.read()).toMatchObject({ deployments: ['d-B'] });
    await window.leave('d-B');
    expect(await window.close({ force: false })).toBe(true);
    expect(await window.read()).toBeUndefined();

    await window.open({ runId: 'suspend-C', deploymentId: 'd-C', now, openUntil: now + 60_000 });
    expect(await window.close({ force: true })).toBe(true);
    expect(await item()).toBeUndefined();
  });

  it('names the table and the variable when the Runs table is missing', async () => {
    const missing = new DynamoDBDeploymentWindow({
      client,
      tableName: 'no-such-runs-table',
      clock: { now: () => now },
    });

    await expect(missing.read()).rejects.toThrow(PreconditionFailedError);
    await expect(missing.read()).rejects.toThrow(/no-such-runs-table.*RUNS_TABLE/);
  });
});
