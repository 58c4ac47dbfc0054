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
import { DynamoDBUndoStore } from '../../functions/aws/undo-store.js';
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
    const run: RunIdentity = {
      runId: 'resume-1',
      startedAt: Date.now(),
      handOvers: 0,
      windowId: 'resume-1',
    };

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

  describe('DynamoDBUndoStore', () => {
    it('reads the frame key of each connection the failed suspend marked', async () => {
      // Prepare
      await seedConnections(client, tables.connectionsTable, [
        suspendedItem('u-1', 'suspend-U', 16, frameKeyA),
        suspendedItem('u-2', 'suspend-U'),
      ]);
      const undo = new DynamoDBUndoStore({
        client,
        tableName: tables.connectionsTable,
        indexName: tables.suspendedIndex,
        shards: 16,
        suspendRunId: 'suspend-U',
        logger,
      });

      // Act
      const targets = await collect(
        undo.pages(
          { runId: 'suspend-U-undo', startedAt: Date.now(), handOvers: 0, windowId: 'w-U' },
          testSession().session,
        ),
      );

      // Assess
      const byId = new Map(targets.map((target) => [target.connectionId, target]));
      expect([...byId.keys()].sort()).toEqual(['u-1', 'u-2']);
      expect(byId.get('u-1')?.frameKey).toBe(frameKeyA);
      expect(byId.get('u-2')).not.toHaveProperty('frameKey');
    });
  });

  describe('DynamoDBSuspendStore', () => {
    it('marks every connection but those suspended in its deployment window or let in while it was open, before handing them out', async () => {
      // Prepare: 60 active; 4 that $connect let in while window w-X was open (allow); one left
      // suspended by a run of an earlier window (a resume that could not record its result: the
      // client is in fact active); one a sibling deployment group's suspend already suspended in
      // w-X. No clock is compared: when each registered says nothing.
      const startedAt = Date.now();
      await seedConnections(client, tables.connectionsTable, [
        ...Array.from({ length: 60 }, (_, index) => ({
          connectionId: `old-${index}`,
          status: 'active' as const,
          connectedAt: startedAt + 5_000,
        })),
        ...Array.from({ length: 4 }, (_, index) => ({
          connectionId: `new-${index}`,
          status: 'active' as const,
          connectedAt: startedAt - 5_000,
          admittedInWindow: 'w-X',
        })),
        { ...suspendedItem('earlier-1', 'suspend-earlier'), suspendedInWindow: 'w-earlier' },
        { ...suspendedItem('sibling-1', 'suspend-sibling'), suspendedInWindow: 'w-X' },
        { connectionId: 'keyed-1', status: 'active', frameKey: frameKeyA },
      ]);
      const store = new DynamoDBSuspendStore({
        client,
        tableName: tables.connectionsTable,
        shards: 16,
        pageSize: 9,
        logger,
      });
      const run: RunIdentity = { runId: 'suspend-X', startedAt, handOvers: 0, windowId: 'w-X' };

      // Act
      const total = await store.count(run);
      const marked = await collect(store.pages(run, testSession().session));

      // Assess
      const markedIds = marked
        .map((target) => target.connectionId)
        .filter((id) => !id.startsWith('a-'));
      expect(markedIds.filter((id) => id.startsWith('old-')).sort()).toHaveLength(60);
      // Each target carries the frame key its client connected with, if it has one.
      expect(marked.find((target) => target.connectionId === 'keyed-1')?.frameKey).toBe(frameKeyA);
      expect(marked.find((target) => target.connectionId === 'old-3')).not.toHaveProperty(
        'frameKey',
      );
      expect(markedIds).toContain('earlier-1');
      expect(markedIds.some((id) => id.startsWith('new-') || id === 'sibling-1')).toBe(false);
      expect(total).toBe(marked.length);
      expect(await read('old-7')).toMatchObject({
        status: 'suspended',
        suspendedBy: 'suspend-X',
        suspendedAt: new Date(startedAt).toISOString(),
        suspendedInWindow: 'w-X',
      });
      expect(typeof (await read('old-7'))?.suspendShard).toBe('number');
      expect(await read('new-0')).toMatchObject({ status: 'active', admittedInWindow: 'w-X' });
      expect(await read('earlier-1')).toMatchObject({
        status: 'suspended',
        suspendedBy: 'suspend-X',
        suspendedInWindow: 'w-X',
      });
      expect(await read('sibling-1')).toMatchObject({ suspendedBy: 'suspend-sibling' });

      // Marked but never told (the rest of a page when the run stopped): back to active.
      const untold = (connectionId: string) => ({
        connectionId,
        suspendedBy: null,
        resumeAttempts: 0,
      });
      await store.giveBack(run, testSession().session, [untold('old-8'), untold('sibling-1')]);
      const unmarked = await read('old-8');
      expect(unmarked).toMatchObject({ status: 'active' });
      expect(unmarked).not.toHaveProperty('suspendedBy');
      expect(unmarked).not.toHaveProperty('suspendShard');
      expect(unmarked).not.toHaveProperty('suspendedInWindow');
      // Another run's suspension is not this run's to give back.
      expect(await read('sibling-1')).toMatchObject({ suspendedBy: 'suspend-sibling' });

      // Each result: gone is deleted; a post that may have reached the client (a timeout)
      // stays marked; one that surely did not (throttled to the end, refused) is put back.
      const recorder = store.recorder(run, testSession().session);
      const results: [string, ReturnType<typeof failure>][] = [
        ['old-1', failure('gone')],
        ['old-2', failure('timedOut')],
        ['old-3', failure('throttled')],
        ['old-4', failure('forbidden')],
      ];
      for (const [connectionId, failed] of results) {
        await recorder.record(
          { target: { connectionId, suspendedBy: null, resumeAttempts: 0 }, failure: failed },
          noteFate(connectionId),
        );
      }
      await recorder.flush();
      expect(results.map(([id]) => fates.get(id))).toEqual(Array(4).fill('written'));
      expect(await read('old-1')).toBeUndefined();
      expect(await read('old-2')).toMatchObject({ status: 'suspended', suspendedBy: 'suspend-X' });
      for (const id of ['old-3', 'old-4']) {
        expect(await read(id)).toMatchObject({ status: 'active' });
        expect(await read(id)).not.toHaveProperty('suspendedBy');
      }
    });

    it('skips a connection that disconnected between the read and the mark', async () => {
      await seedConnections(client, tables.connectionsTable, [
        { connectionId: 'leaving-1', status: 'active' as const },
      ]);
      const store = new DynamoDBSuspendStore({
        client,
        tableName: tables.connectionsTable,
        shards: 16,
        logger,
        connectionIds: ['leaving-1'],
      });
      const run: RunIdentity = {
        runId: 'suspend-Y',
        startedAt: Date.now(),
        handOvers: 0,
        windowId: 'w-Y',
      };
      const { session, leftOut } = testSession();
      await store.count(run);
      await documentClientFrom({ client }).send(
        new DeleteCommand({
          TableName: tables.connectionsTable,
          Key: { connectionId: 'leaving-1' },
        }),
      );

      const marked = await collect(store.pages(run, session));

      expect(marked).toEqual([]);
      expect(leftOut).toEqual([{ connectionId: 'leaving-1', fate: 'skipped' }]);
      expect(await read('leaving-1')).toBeUndefined();
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

    it('renews a lease only for its holder, and hands it to the run that goes on with it', async () => {
      let now = 1_900_000_000_000;
      const table = { client, tableName: tables.runsTable, clock: { now: () => now } };
      const runLease = new DynamoDBRunLease(table);

      await runLease.acquire('suspend-1', 'suspend', now + 60_000);
      expect(await runLease.extend('resume-9', now + 120_000)).toBe(false);
      expect(await runLease.extend('suspend-1', now + 120_000)).toBe(true);
      now += 90_000;
      // Renewed: still held past its first expiry.
      await expect(runLease.acquire('resume-9', 'resume', now + 60_000)).rejects.toThrow(
        RunInProgressError,
      );
      // A failed suspend's undo goes on under its own id, after one hand-over.
      expect(
        await runLease.extend('suspend-1', now + 960_000, {
          runId: 'suspend-1-undo',
          handOvers: 0,
        }),
      ).toBe(true);
      const refused = await runLease.acquire('resume-9', 'resume', now + 60_000).catch((e) => e);
      expect(refused).toBeInstanceOf(RunInProgressError);
      expect(refused.holder).toBe('suspend-1-undo');
      expect(await runLease.acquire('suspend-1-undo', 'resume', now + 60_000, 1)).toBeUndefined();
      // A second delivery of that hand-over is refused: its own run holds the lease.
      const repeat = await runLease
        .acquire('suspend-1-undo', 'resume', now + 60_000, 1)
        .catch((e) => e);
      expect(repeat.holder).toBe('suspend-1-undo');
      await runLease.release('suspend-1-undo');
    });
  });
});
