import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDeploymentWindow } from '../../functions/aws/deployment-window.js';
import { countSuspended, DynamoDBRunHistory } from '../../functions/aws/run-history.js';
import { DynamoDBRunRecords } from '../../functions/aws/run-table.js';
import type { RunProgress } from '../../functions/core/ports.js';
import { emptyCounts } from '../../functions/core/run/outcome.js';
import { seedConnections, suspendedItem } from '../support/seed.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

// A run's progress in its record, and what the operator commands read of the tables, against
// DynamoDB Local.

const progressAt = (delivered: number, updatedAt: string): RunProgress => ({
  phase: 'posting',
  total: 10,
  read: 10,
  counts: { ...emptyCounts(), total: 10, delivered },
  handOvers: 0,
  updatedAt,
});

describe('run progress and the operator reads against DynamoDB Local', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  const clock = { now: () => Date.parse('2026-12-07T10:00:00Z') };
  const records = () => new DynamoDBRunRecords({ client, tableName: tables.runsTable, clock });
  const history = () => new DynamoDBRunHistory({ client, tableName: tables.runsTable, clock });

  const dynamodb = useTestTables();
  beforeAll(async () => {
    ({ client, tables } = dynamodb);
  });

  it("writes a running run's progress into its record, and never onto a finished one", async () => {
    await records().save({
      runId: 'resume-p1',
      kind: 'resume',
      state: 'running',
      startedAt: '2026-12-06T10:00:00.000Z',
    });

    await records().progress('resume-p1', progressAt(4, '2026-12-07T10:00:02.000Z'));
    const running = await history().read('resume-p1');
    await records().save({
      runId: 'resume-p1',
      kind: 'resume',
      state: 'completed',
      startedAt: '2026-12-06T10:00:00.000Z',
    });
    // A late write, after the final record: its condition keeps the record as it ended.
    await records().progress('resume-p1', progressAt(9, '2026-12-07T10:00:04.000Z'));
    const finished = await history().read('resume-p1');

    expect(running).toMatchObject({
      state: 'running',
      progress: {
        phase: 'posting',
        counts: { delivered: 4 },
        updatedAt: '2026-12-07T10:00:02.000Z',
      },
    });
    expect(finished).toMatchObject({ state: 'completed' });
    expect(finished).not.toHaveProperty('progress');
  });

  it('writes nothing for a run without a record', async () => {
    await records().progress('resume-none', progressAt(1, '2026-12-07T10:00:02.000Z'));

    expect(await history().read('resume-none')).toBeUndefined();
  });

  it('lists the last runs newest first, without the lease, hook and window items', async () => {
    const save = (runId: string, startedAt: string) =>
      records().save({ runId, kind: 'suspend', state: 'completed', startedAt });
    await save('suspend-h1', '2026-12-07T09:00:00.000Z');
    await save('suspend-h3', '2026-12-07T09:20:00.000Z');
    await save('suspend-h2', '2026-12-07T09:10:00.000Z');
    await new DynamoDBDeploymentWindow({ client, tableName: tables.runsTable, clock }).open({
      runId: 'suspend-h3',
      deploymentId: 'd-1',
      now: clock.now(),
      openUntil: clock.now() + 60_000,
    });

    const latest = await history().latest(2);

    expect(latest.map((record) => record.runId)).toEqual(['suspend-h3', 'suspend-h2']);
  });

  it('counts the suspended connections through the suspended index', async () => {
    await seedConnections(client, tables.connectionsTable, [
      suspendedItem('c1=', 'suspend-x'),
      suspendedItem('c2=', 'suspend-x'),
      { connectionId: 'c3=', status: 'active' },
    ]);

    const count = await countSuspended({
      client,
      tableName: tables.connectionsTable,
      indexName: tables.suspendedIndex,
    });
    const missing = await countSuspended({
      client,
      tableName: tables.connectionsTable,
      indexName: 'no-such-index',
    });

    expect(count).toBe(2);
    expect(missing).toBeUndefined();
  });
});
