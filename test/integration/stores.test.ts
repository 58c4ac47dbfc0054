import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import { DynamoDBResumeStore } from '../../functions/aws/resume-store.js';
import { DynamoDBRunLease, DynamoDBRunRecords, leaseId } from '../../functions/aws/run-table.js';
import { DynamoDBSuspendStore } from '../../functions/aws/suspend-store.js';
import {
  PreconditionFailedError,
  RegistryNotDetectedError,
  RunInProgressError,
} from '../../functions/core/errors.js';
import type { ChannelTarget, RunIdentity, StoreSession } from '../../functions/core/ports.js';
import { RecordingLogger } from '../support/fakes.js';
import { seedConnections, suspendedItem } from '../support/seed.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

const frameKeyA = 'q0Zk7yJ3-aB_9xYwVuTs1w';
const frameKeyB = 'AAAAAAAAAAAAAAAAAAAAAA';
const failure = (reason: string) => ({ reason, name: 'X', status: 500, message: 'x' });

/** A run's session as a test sees it: writes retried, left-out connections kept. */
function testSession() {
  const leftOut: Array<{ connectionId: string; fate: string }> = [];
  const session: StoreSession = {
    keepRetrying: () => true,
    leftOut: (target, fate) => leftOut.push({ connectionId: target.connectionId, fate }),
  };
  return { session, leftOut };
}

/** Fates heard per connection id. */
const fates = new Map<string, string>();
const noteFate = (connectionId: string) => (fate: string) => fates.set(connectionId, fate);

async function collect(pages: AsyncIterable<readonly ChannelTarget[]>): Promise<ChannelTarget[]> {
  const all: ChannelTarget[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

describe('the run stores against DynamoDB Local', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  const logger = new RecordingLogger();
  const read = (connectionId: string) =>
    documentClientFrom({ client })
      .send(new GetCommand({ TableName: tables.connectionsTable, Key: { connectionId } }))
      .then((output) => output.Item);

  const dynamodb = useTestTables();
  beforeAll(async () => {
    ({ client, tables } = dynamodb);
  });

  describe('DynamoDBResumeStore', () => {
    const store = (options: { connectionIds?: string[]; pageSize?: number } = {}) =>
      new DynamoDBResumeStore({
        client,
        tableName: tables.connectionsTable,
        indexName: tables.suspendedIndex,
        shards: 16,
        logger,
        ...options,
      });
    const run: RunIdentity = { runId: 'resume-1', startedAt: Date.now(), handOvers: 0 };

    beforeEach(async () => {
      // Each test starts from the same registry: 250 suspended by suspend-A, 5 active.
      const documentClient = documentClientFrom({ client });
      for (const id of await collect(store().pages(run, testSession().session))) {
        await documentClient.send(
          new DeleteCommand({
            TableName: tables.connectionsTable,
            Key: { connectionId: id.connectionId },
          }),
        );
      }
      await seedConnections(client, tables.connectionsTable, [
        ...Array.from({ length: 250 }, (_, index) => suspendedItem(`s-${index}`, 'suspend-A')),
        ...Array.from({ length: 5 }, (_, index) => ({
          connectionId: `a-${index}`,
          status: 'active' as const,
        })),
      ]);
    });

    it('counts and reads every suspended connection across the shards, page by page', async () => {
      const resumeStore = store({ pageSize: 7 });

      const total = await resumeStore.count(run);
      const pages: number[] = [];
      const ids = new Set<string>();
      for await (const page of resumeStore.pages(run, testSession().session)) {
        pages.push(page.length);
        for (const target of page) ids.add(target.connectionId);
      }

      expect(total).toBe(250);
      expect(ids.size).toBe(250);
      expect([...ids].every((id) => id.startsWith('s-'))).toBe(true);
      expect(Math.max(...pages)).toBeLessThanOrEqual(7);
    });

    it('writes each result conditionally: resumed, deleted, or left suspended with the attempt', async () => {
      const recorder = store().recorder(run, testSession().session);
      const target = (connectionId: string): ChannelTarget => ({
        connectionId,
        suspendedBy: 'suspend-A',
        resumeAttempts: 0,
      });

      await recorder.record({ target: target('s-1'), failure: undefined }, noteFate('s-1'));
      await recorder.record({ target: target('s-2'), failure: failure('gone') }, noteFate('s-2'));
      await recorder.record(
        { target: target('s-3'), failure: failure('timedOut') },
        noteFate('s-3'),
      );
      const summary = await recorder.flush();

      expect(summary).toMatchObject({ skipped: 0, unrecorded: 0 });
      expect(['s-1', 's-2', 's-3'].map((id) => fates.get(id))).toEqual([
        'written',
        'written',
        'written',
      ]);
      const resumed = await read('s-1');
      expect(resumed).toMatchObject({ status: 'active' });
      expect(resumed).not.toHaveProperty('suspendedBy');
      expect(resumed).not.toHaveProperty('suspendShard');
      expect(await read('s-2')).toBeUndefined();
      expect(await read('s-3')).toMatchObject({
        status: 'suspended',
        suspendedBy: 'suspend-A',
        resumeAttempts: 1,
        lastError: 'timedOut: X 500',
      });
      expect(await store().count(run)).toBe(248);

      // Resumed on a later run: the attempt attributes go too.
      const later = store().recorder(run, testSession().session);
      await later.record(
        { target: { ...target('s-3'), resumeAttempts: 1 }, failure: undefined },
        noteFate('s-3'),
      );
      await later.flush();
      const resumedLater = await read('s-3');
      expect(resumedLater).toMatchObject({ status: 'active' });
      expect(resumedLater).not.toHaveProperty('resumeAttempts');
      expect(resumedLater).not.toHaveProperty('lastError');
    });

    it('never resurrects a deleted connection nor clobbers a newer suspension', async () => {
      const documentClient = documentClientFrom({ client });
      await documentClient.send(
        new DeleteCommand({ TableName: tables.connectionsTable, Key: { connectionId: 's-10' } }),
      );
      await documentClient.send(
        new PutCommand({
          TableName: tables.connectionsTable,
          Item: suspendedItem('s-11', 'suspend-B'),
        }),
      );
      const recorder = store().recorder(run, testSession().session);
      const stale = (connectionId: string): ChannelTarget => ({
        connectionId,
        suspendedBy: 'suspend-A',
        resumeAttempts: 0,
      });

      await recorder.record({ target: stale('s-10'), failure: undefined }, noteFate('s-10'));
      await recorder.record({ target: stale('s-11'), failure: undefined }, noteFate('s-11'));
      const summary = await recorder.flush();

      expect(summary.skipped).toBe(2);
      expect([fates.get('s-10'), fates.get('s-11')]).toEqual(['skipped', 'skipped']);
      expect(await read('s-10')).toBeUndefined();
      expect(await read('s-11')).toMatchObject({ status: 'suspended', suspendedBy: 'suspend-B' });
    });

    it('reads only the given suspended connections of a manual run', async () => {
      const resumeStore = store({ connectionIds: ['s-5', 's-6', 'a-1', 'missing'] });

      expect(await resumeStore.count(run)).toBe(2);
      const ids = (await collect(resumeStore.pages(run, testSession().session))).map(
        (target) => target.connectionId,
      );
      expect(ids.sort()).toEqual(['s-5', 's-6']);
    });

    it('reads the frame key of each suspended connection that has one, by index and by id', async () => {
      // Prepare
      await seedConnections(client, tables.connectionsTable, [
        suspendedItem('k-1', 'suspend-A', 16, frameKeyA),
        suspendedItem('k-2', 'suspend-A', 16, frameKeyB),
      ]);

      // Act
      const byIndex = await collect(store().pages(run, testSession().session));
      const byId = await collect(
        store({ connectionIds: ['k-1', 's-1'] }).pages(run, testSession().session),
      );

      // Assess
      const keyOf = (targets: ChannelTarget[], id: string) =>
        targets.find((target) => target.connectionId === id)?.frameKey;
      expect(keyOf(byIndex, 'k-1')).toBe(frameKeyA);
      expect(keyOf(byIndex, 'k-2')).toBe(frameKeyB);
      expect(byIndex.find((target) => target.connectionId === 's-1')).not.toHaveProperty(
        'frameKey',
      );
      expect(keyOf(byId, 'k-1')).toBe(frameKeyA);
      expect(byId.find((target) => target.connectionId === 's-1')).not.toHaveProperty('frameKey');
    });

    it('fails before any post, naming frameKey, when the index does not project it (a stack from before)', async () => {
      // Prepare: the index of a stack deployed before frame keys.
      const tableName = `old-index-${Date.now()}`;
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [
            { AttributeName: 'connectionId', AttributeType: 'S' },
            { AttributeName: 'suspendShard', AttributeType: 'N' },
          ],
          KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'suspended',
              KeySchema: [
                { AttributeName: 'suspendShard', KeyType: 'HASH' },
                { AttributeName: 'connectionId', KeyType: 'RANGE' },
              ],
              Projection: {
                ProjectionType: 'INCLUDE',
                NonKeyAttributes: [
                  'suspendedBy',
                  'suspendedAt',
                  'resumeAttempts',
                  'lastAttemptRun',
                ],
              },
            },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      try {
        await seedConnections(client, tableName, [
          suspendedItem('old-1', 'suspend-A', 4, frameKeyA),
        ]);
        const oldStore = new DynamoDBResumeStore({
          client,
          tableName,
          indexName: 'suspended',
          shards: 4,
          logger,
        });

        // Act
        const reading = collect(oldStore.pages(run, testSession().session));

        // Assess
        await expect(reading).rejects.toThrow(PreconditionFailedError);
        await expect(collect(oldStore.pages(run, testSession().session))).rejects.toThrow(
          /does not project.*frameKey/,
        );
      } finally {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      }
    });

    it('fails with the variable to check when the table is missing', async () => {
      const missing = new DynamoDBResumeStore({
        client,
        tableName: 'no-such-table',
        indexName: 'suspended',
        shards: 4,
        logger,
      });

      await expect(missing.count(run)).rejects.toThrow(PreconditionFailedError);
      await expect(missing.count(run)).rejects.toThrow(/no-such-table.*CONNECTIONS_TABLE/);
    });

    it('reports not detected when the table has no suspended index', async () => {
      const tableName = `no-index-${Date.now()}`;
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      try {
        const withoutIndex = new DynamoDBResumeStore({
          client,
          tableName,
          indexName: 'suspended',
          shards: 4,
          logger,
        });
        await expect(withoutIndex.count(run)).rejects.toThrow(RegistryNotDetectedError);
      } finally {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      }
    });
  });

  describe('DynamoDBSuspendStore', () => {
    it('marks the active connections opened before the run, and only those, before handing them out', async () => {
      const startedAt = Date.now();
      await seedConnections(client, tables.connectionsTable, [
        ...Array.from({ length: 60 }, (_, index) => ({
          connectionId: `old-${index}`,
          status: 'active' as const,
          connectedAt: startedAt - 1_000,
        })),
        ...Array.from({ length: 4 }, (_, index) => ({
          connectionId: `new-${index}`,
          status: 'active' as const,
          connectedAt: startedAt + 1_000,
        })),
        suspendedItem('earlier-1', 'suspend-earlier'),
        {
          connectionId: 'keyed-1',
          status: 'active',
          connectedAt: startedAt - 1_000,
          frameKey: frameKeyA,
        },
      ]);
      const store = new DynamoDBSuspendStore({
        client,
        tableName: tables.connectionsTable,
        shards: 16,
        pageSize: 9,
        logger,
      });
      const run: RunIdentity = { runId: 'suspend-X', startedAt, handOvers: 0 };

      const total = await store.count(run);
      const marked = await collect(store.pages(run, testSession().session));

      const markedIds = marked
        .map((target) => target.connectionId)
        .filter((id) => !id.startsWith('a-'));
      expect(markedIds.filter((id) => id.startsWith('old-')).sort()).toHaveLength(60);
      // Each target carries the frame key its client connected with, if it has one.
      expect(marked.find((target) => target.connectionId === 'keyed-1')?.frameKey).toBe(frameKeyA);
      expect(marked.find((target) => target.connectionId === 'old-3')).not.toHaveProperty(
        'frameKey',
      );
      expect(markedIds.some((id) => id.startsWith('new-') || id === 'earlier-1')).toBe(false);
      expect(total).toBe(marked.length);
      expect(await read('old-7')).toMatchObject({
        status: 'suspended',
        suspendedBy: 'suspend-X',
        suspendedAt: new Date(startedAt).toISOString(),
      });
      expect(typeof (await read('old-7'))?.suspendShard).toBe('number');
      expect(await read('new-0')).toMatchObject({ status: 'active' });
      expect(await read('earlier-1')).toMatchObject({ suspendedBy: 'suspend-earlier' });

      // Marked but never told (the rest of a page when the run stopped): back to active.
      const untold = (connectionId: string) => ({
        connectionId,
        suspendedBy: null,
        resumeAttempts: 0,
      });
      await store.giveBack(run, testSession().session, [untold('old-8'), untold('earlier-1')]);
      const unmarked = await read('old-8');
      expect(unmarked).toMatchObject({ status: 'active' });
      expect(unmarked).not.toHaveProperty('suspendedBy');
      expect(unmarked).not.toHaveProperty('suspendShard');
      // Another run's suspension is not this run's to give back.
      expect(await read('earlier-1')).toMatchObject({ suspendedBy: 'suspend-earlier' });

      const recorder = store.recorder(run, testSession().session);
      await recorder.record(
        {
          target: { connectionId: 'old-1', suspendedBy: null, resumeAttempts: 0 },
          failure: failure('gone'),
        },
        noteFate('old-1'),
      );
      await recorder.record(
        {
          target: { connectionId: 'old-2', suspendedBy: null, resumeAttempts: 0 },
          failure: failure('timedOut'),
        },
        noteFate('old-2'),
      );
      await recorder.flush();
      expect([fates.get('old-1'), fates.get('old-2')]).toEqual(['written', 'written']);
      expect(await read('old-1')).toBeUndefined();
      expect(await read('old-2')).toMatchObject({ status: 'suspended', suspendedBy: 'suspend-X' });
    });
  });

  describe('DynamoDBRunLease and DynamoDBRunRecords', () => {
    it('keeps run records and a lease that only one run holds until it ends or expires', async () => {
      let now = 1_800_000_000_000;
      const table = { client, tableName: tables.runsTable, clock: { now: () => now } };
      const runLease = new DynamoDBRunLease(table);
      const runRecords = new DynamoDBRunRecords(table);

      await runLease.acquire('resume-1', 'resume', now + 60_000);
      await expect(runLease.acquire('suspend-2', 'suspend', now + 60_000)).rejects.toThrow(
        RunInProgressError,
      );
      await expect(runLease.acquire('suspend-2', 'suspend', now + 60_000)).rejects.toThrow(
        /resume-1/,
      );
      await runLease.release('suspend-2');
      await expect(runLease.acquire('suspend-3', 'suspend', now + 60_000)).rejects.toThrow(
        RunInProgressError,
      );
      await runRecords.save({ runId: 'resume-1', state: 'running' });
      now += 61_000;
      const expired = await runLease.acquire('suspend-4', 'suspend', now + 60_000);
      expect(expired).toEqual({ runId: 'resume-1', kind: 'resume', leaseUntil: now - 1_000 });
      await runRecords.abandon('resume-1', 'its Lambda died');
      await runRecords.abandon('no-such-run', 'nothing to close');
      await runLease.release('suspend-4');
      await runRecords.save({ runId: 'suspend-4', state: 'completed', outcome: 'ok' });

      const documentClient = documentClientFrom({ client });
      const lease = await documentClient.send(
        new GetCommand({ TableName: tables.runsTable, Key: { runId: leaseId } }),
      );
      const record = await documentClient.send(
        new GetCommand({ TableName: tables.runsTable, Key: { runId: 'suspend-4' } }),
      );
      expect(lease.Item).toBeUndefined();
      const abandoned = await documentClient.send(
        new GetCommand({ TableName: tables.runsTable, Key: { runId: 'resume-1' } }),
      );
      expect(abandoned.Item).toMatchObject({ state: 'failed', message: 'its Lambda died' });
      expect(record.Item).toMatchObject({ state: 'completed', outcome: 'ok' });
      expect(Number(record.Item?.expiresAt)).toBeGreaterThan(now / 1000);
    });
  });
});
