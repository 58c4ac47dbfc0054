import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RunInProgressError } from '../core/errors.js';
import type {
  Clock,
  ExpiredHolder,
  RunKind,
  RunLease,
  RunProgress,
  RunRecord,
  RunRecords,
  RunState,
} from '../core/ports.js';
import { isConditionFailure } from '../core/sdk-error.js';
import { type DynamoDBClientOption, documentClientFrom } from './dynamodb.js';
import { translateRegistryError } from './registry-errors.js';

// The Runs table: one record per run, kept 30 days, and one lease item that keeps a suspend and
// a resume (or two of either) from running over each other. The lease ends with the run, or on
// its own at `leaseUntil` if the Lambda that held it died. And one item per CodeDeploy hook
// execution, `hook#<LifecycleEventHookExecutionId>`, so that a repeat delivery of a hook's event
// finds the first.

export const leaseId = 'lease#channels';
export const recordLifetimeSeconds = 30 * 24 * 60 * 60;

export type RunTableOptions = { tableName: string; clock: Clock } & DynamoDBClientOption;

/** What every view of the Runs table holds: the client, the table's name, the clock. */
export abstract class RunTable {
  protected readonly documentClient: DynamoDBDocumentClient;
  protected readonly tableName: string;
  protected readonly clock: Clock;

  constructor(options: RunTableOptions) {
    this.tableName = options.tableName;
    this.clock = options.clock;
    this.documentClient = documentClientFrom(options);
  }
}

/** The lease item of the Runs table. */
export class DynamoDBRunLease extends RunTable implements RunLease {
  async acquire(
    runId: string,
    kind: RunKind,
    untilMs: number,
    handOvers = 0,
  ): Promise<ExpiredHolder | undefined> {
    const now = this.clock.now();
    try {
      const output = await this.documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            runId: leaseId,
            holder: runId,
            kind,
            acquiredAt: new Date(now).toISOString(),
            leaseUntil: untilMs,
            handOvers,
            expiresAt: Math.ceil(untilMs / 1000) + 3600,
          },
          // Free, expired, or (a hand-over) held by the run's invocation before this one.
          ConditionExpression:
            handOvers === 0
              ? 'attribute_not_exists(runId) OR leaseUntil < :now'
              : 'attribute_not_exists(runId) OR leaseUntil < :now OR (holder = :runId AND handOvers < :handOvers)',
          ...(handOvers === 0
            ? { ExpressionAttributeValues: { ':now': now } }
            : {
                ExpressionAttributeValues: {
                  ':now': now,
                  ':runId': runId,
                  ':handOvers': handOvers,
                },
              }),
          // An old lease that was still there had expired: its holder died while running.
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = output.Attributes;
      if (!old || typeof old.holder !== 'string' || old.holder === runId) return undefined;
      return {
        runId: old.holder,
        kind: old.kind === 'suspend' ? 'suspend' : 'resume',
        leaseUntil: Number(old.leaseUntil),
      };
    } catch (error) {
      if (!isConditionFailure(error)) throw translateRunTableError(error, this.tableName);
      const holder = await this.documentClient
        .send(new GetCommand({ TableName: this.tableName, Key: { runId: leaseId } }))
        .then((output) => output.Item)
        .catch(() => undefined);
      throw new RunInProgressError(
        `Another run holds the lease: ${String(holder?.holder ?? 'unknown')} (${String(holder?.kind ?? '?')}) ` +
          `until ${holder?.leaseUntil ? new Date(Number(holder.leaseUntil)).toISOString() : 'unknown'}. ` +
          'Wait for it to finish, or delete the item with runId "lease#channels" from the Runs table if that run is known to be dead.',
        { holder: typeof holder?.holder === 'string' ? holder.holder : undefined },
      );
    }
  }

  async extend(
    runId: string,
    untilMs: number,
    next?: { runId: string; handOvers: number },
  ): Promise<boolean> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId: leaseId },
          UpdateExpression: next
            ? 'SET leaseUntil = :until, expiresAt = :expiresAt, holder = :next, handOvers = :handOvers'
            : 'SET leaseUntil = :until, expiresAt = :expiresAt',
          ConditionExpression: 'holder = :runId',
          ExpressionAttributeValues: {
            ':runId': runId,
            ':until': untilMs,
            ':expiresAt': Math.ceil(untilMs / 1000) + 3600,
            ...(next ? { ':next': next.runId, ':handOvers': next.handOvers } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateRunTableError(error, this.tableName);
    }
  }

  async release(runId: string): Promise<void> {
    try {
      await this.documentClient.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { runId: leaseId },
          ConditionExpression: 'holder = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      );
    } catch (error) {
      // Someone took an expired lease over: it is theirs now.
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** The record of each run, kept 30 days. */
export class DynamoDBRunRecords extends RunTable implements RunRecords {
  async save(record: RunRecord): Promise<void> {
    try {
      await this.documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...record,
            expiresAt: Math.ceil(this.clock.now() / 1000) + recordLifetimeSeconds,
          },
        }),
      );
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
  }

  async stateOf(runId: string): Promise<RunState | undefined> {
    try {
      const output = await this.documentClient.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { runId },
          ProjectionExpression: '#state',
          ExpressionAttributeNames: { '#state': 'state' },
          ConsistentRead: true,
        }),
      );
      const state = output.Item?.state;
      return typeof state === 'string' ? (state as RunState) : undefined;
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
  }

  async progress(runId: string, progress: RunProgress): Promise<void> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'SET progress = :progress',
          // Never onto a record that says how the run ended (a late write after the final one).
          ConditionExpression: '#state = :running',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':progress': progress, ':running': 'running' },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw translateRunTableError(error, this.tableName);
    }
  }

  async abandon(runId: string, reason: string): Promise<void> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId },
          UpdateExpression: 'SET #state = :failed, #message = :reason, finishedAt = :at',
          ConditionExpression: '#state = :running',
          ExpressionAttributeNames: { '#state': 'state', '#message': 'message' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':running': 'running',
            ':reason': reason,
            ':at': new Date(this.clock.now()).toISOString(),
          },
        }),
      );
    } catch (error) {
      // No record, or it already says how the run ended: nothing to close.
      if (!isConditionFailure(error)) throw translateRunTableError(error, this.tableName);
    }
  }
}

export const translateRunTableError = (error: unknown, tableName: string) =>
  translateRegistryError(error, { tableName, variable: 'RUNS_TABLE' });
