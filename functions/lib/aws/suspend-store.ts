import {
  BatchExecuteStatementCommand,
  type DynamoDBDocumentClient,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { chunk, mergePages, shardOf } from '../core/pages.js';
import type {
  ChannelStore,
  ChannelTarget,
  Logger,
  RecordedResult,
  ResultRecorder,
  RunIdentity,
} from '../core/ports.js';
import { type DynamoDBClientOption, documentClientFrom, readConnections } from './dynamodb.js';
import { translateRegistryError } from './registry-errors.js';
import { BatchStatementWriter, quoted } from './statement-writer.js';

// The Connections table as the suspend run sees it: the active connections opened before the
// run started, read with a parallel Scan, and each page marked suspended by this run *before*
// its frames are posted. A client is never told to suspend without its record saying so (a
// crash between the two would leave it waiting for a resume that never comes); a connection
// whose post then fails stays marked, and the next resume tells it to go on.

export interface SuspendStoreOptions {
  tableName: string;
  shards: number;
  /** Parallel Scan segments. */
  segments?: number;
  connectionIds?: readonly string[] | undefined;
  pageSize?: number;
  logger: Logger;
}

const maxPagesPerSegment = 1_000_000;
const statementsPerBatch = 25;

export class DynamoDBSuspendStore implements ChannelStore {
  readonly #documentClient: DynamoDBDocumentClient;
  readonly #options: SuspendStoreOptions;
  readonly #segments: number;
  readonly #pageSize: number;
  #selected: string[] | undefined;

  constructor(options: SuspendStoreOptions & DynamoDBClientOption) {
    this.#options = options;
    this.#segments = options.segments ?? 4;
    this.#pageSize = options.pageSize ?? 500;
    this.#documentClient = documentClientFrom(options);
  }

  async count(run: RunIdentity): Promise<number> {
    try {
      if (this.#options.connectionIds) {
        this.#selected = await this.#readSelected(this.#options.connectionIds, run);
        return this.#selected.length;
      }
      const perSegment = await Promise.all(
        this.#segmentNumbers().map((segment) => this.#countSegment(segment, run)),
      );
      return perSegment.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async *pages(run: RunIdentity): AsyncGenerator<readonly ChannelTarget[]> {
    try {
      if (this.#options.connectionIds) {
        this.#selected ??= await this.#readSelected(this.#options.connectionIds, run);
        for (const ids of chunk(this.#selected, this.#pageSize)) {
          const marked = await this.#markSuspended(ids, run);
          if (marked.length > 0) yield marked;
        }
        return;
      }
      yield* mergePages(this.#segmentNumbers().map((segment) => this.#segmentPages(segment, run)));
    } catch (error) {
      throw this.#translate(error);
    }
  }

  recorder(_run: RunIdentity): ResultRecorder {
    const writer = new BatchStatementWriter({
      documentClient: this.#documentClient,
      logger: this.#options.logger,
    });
    const table = quoted(this.#options.tableName);
    return {
      record: ({ target, failure }: RecordedResult) => {
        // Delivered, timed out or failed: already marked suspended. Gone: the client left.
        if (failure?.reason !== 'gone') return undefined;
        return writer.add({
          Statement: `DELETE FROM ${table} WHERE ${quoted('connectionId')} = ?`,
          Parameters: [target.connectionId],
        });
      },
      flush: () => writer.flush(),
    };
  }

  #segmentNumbers(): number[] {
    return Array.from({ length: this.#segments }, (_, segment) => segment);
  }

  /** Active connections opened before the run: those opened since are never suspended. */
  #scan(segment: number, run: RunIdentity): ScanCommandInput {
    return {
      TableName: this.#options.tableName,
      Segment: segment,
      TotalSegments: this.#segments,
      FilterExpression: '#status = :active AND connectedAt <= :runStart',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':active': 'active', ':runStart': run.startedAt },
    };
  }

  async #countSegment(segment: number, run: RunIdentity): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPagesPerSegment; page++) {
      const output = await this.#documentClient.send(
        new ScanCommand({
          ...this.#scan(segment, run),
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += output.Count ?? 0;
      startKey = output.LastEvaluatedKey;
      if (!startKey) break;
    }
    return count;
  }

  async *#segmentPages(
    segment: number,
    run: RunIdentity,
  ): AsyncGenerator<readonly ChannelTarget[]> {
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPagesPerSegment; page++) {
      const output = await this.#documentClient.send(
        new ScanCommand({
          ...this.#scan(segment, run),
          ProjectionExpression: 'connectionId',
          Limit: this.#pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      const ids = (output.Items ?? []).map((item) => String(item.connectionId));
      if (ids.length > 0) {
        const marked = await this.#markSuspended(ids, run);
        if (marked.length > 0) yield marked;
      }
      startKey = output.LastEvaluatedKey;
      if (!startKey) return;
    }
  }

  /**
   * Marks the connections suspended by this run, 25 conditional statements per call; returns
   * those marked. A connection that disconnected or was suspended meanwhile is left out.
   */
  async #markSuspended(ids: readonly string[], run: RunIdentity): Promise<ChannelTarget[]> {
    const table = quoted(this.#options.tableName);
    const suspendedAt = new Date(run.startedAt).toISOString();
    const batches = chunk(ids, statementsPerBatch);
    const marked = await Promise.all(
      batches.map(async (batch) => {
        const output = await this.#documentClient.send(
          new BatchExecuteStatementCommand({
            Statements: batch.map((connectionId) => ({
              Statement:
                `UPDATE ${table} SET ${quoted('status')} = 'suspended' SET ${quoted('suspendedBy')} = ? ` +
                `SET ${quoted('suspendedAt')} = ? SET ${quoted('suspendShard')} = ? ` +
                `REMOVE ${quoted('resumeAttempts')} REMOVE ${quoted('lastError')} ` +
                `WHERE ${quoted('connectionId')} = ? AND ${quoted('status')} = 'active'`,
              Parameters: [
                run.runId,
                suspendedAt,
                shardOf(connectionId, this.#options.shards),
                connectionId,
              ],
            })),
          }),
        );
        return batch.filter((_, index) => {
          const code = output.Responses?.[index]?.Error?.Code;
          if (code !== undefined && code !== 'ConditionalCheckFailed') {
            this.#options.logger.warn('Could not mark a connection suspended; it is left out', {
              connectionId: batch[index],
              code,
            });
          }
          return code === undefined;
        });
      }),
    );
    return marked.flat().map((connectionId) => ({
      connectionId,
      suspendedBy: null,
      resumeAttempts: 0,
    }));
  }

  async #readSelected(connectionIds: readonly string[], run: RunIdentity): Promise<string[]> {
    const items = await readConnections(
      this.#documentClient,
      this.#options.tableName,
      connectionIds,
    );
    return items
      .filter((item) => item.status === 'active' && Number(item.connectedAt) <= run.startedAt)
      .map((item) => String(item.connectionId));
  }

  #translate(error: unknown): unknown {
    return translateRegistryError(error, {
      tableName: this.#options.tableName,
      variable: 'CONNECTIONS_TABLE',
    });
  }
}
