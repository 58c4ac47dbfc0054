import {
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { chunk, mergePages } from '../core/pages.js';
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

// The Connections table as the resume run sees it: the suspended connections, read from the
// sparse suspended index shard by shard in parallel, and each result written back with a
// conditional statement (never resurrect a deleted connection, never clobber a newer suspension).

export interface ResumeStoreOptions {
  tableName: string;
  indexName: string;
  shards: number;
  /** Only these connections (a manual run); otherwise every suspended one. */
  connectionIds?: readonly string[] | undefined;
  pageSize?: number;
  logger: Logger;
}

const maxPagesPerShard = 1_000_000;
const suspendAttributes = ['suspendedBy', 'suspendedAt', 'suspendShard'];
const attemptAttributes = ['resumeAttempts', 'lastError'];

export class DynamoDBResumeStore implements ChannelStore {
  readonly #documentClient: DynamoDBDocumentClient;
  readonly #options: ResumeStoreOptions;
  readonly #pageSize: number;
  /** A manual run's own list, read once by count() (at most 10,000 ids). */
  #selected: ChannelTarget[] | undefined;

  constructor(options: ResumeStoreOptions & DynamoDBClientOption) {
    this.#options = options;
    this.#pageSize = options.pageSize ?? 1_000;
    this.#documentClient = documentClientFrom(options);
  }

  async count(_run: RunIdentity): Promise<number> {
    try {
      if (this.#options.connectionIds) {
        this.#selected = await this.#readSelected(this.#options.connectionIds);
        return this.#selected.length;
      }
      const perShard = await Promise.all(this.#shards().map((shard) => this.#countShard(shard)));
      return perShard.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async *pages(_run: RunIdentity): AsyncGenerator<readonly ChannelTarget[]> {
    if (this.#options.connectionIds) {
      this.#selected ??= await this.#readSelected(this.#options.connectionIds);
      yield* chunk(this.#selected, this.#pageSize);
      return;
    }
    try {
      yield* mergePages(this.#shards().map((shard) => this.#shardPages(shard)));
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
    const bySameSuspension = (target: ChannelTarget) =>
      target.suspendedBy === null
        ? { where: `${quoted('suspendedBy')} IS MISSING`, parameters: [] }
        : { where: `${quoted('suspendedBy')} = ?`, parameters: [target.suspendedBy] };
    return {
      record: ({ target, failure }: RecordedResult) => {
        const condition = bySameSuspension(target);
        if (!failure) {
          // The attempt attributes exist only after a failed attempt; most statements skip them.
          const removed =
            target.resumeAttempts > 0
              ? [...suspendAttributes, ...attemptAttributes]
              : suspendAttributes;
          return writer.add({
            Statement:
              `UPDATE ${table} SET ${quoted('status')} = 'active' ` +
              removed.map((name) => `REMOVE ${quoted(name)}`).join(' ') +
              ` WHERE ${quoted('connectionId')} = ? AND ${condition.where}`,
            Parameters: [target.connectionId, ...condition.parameters],
          });
        }
        if (failure.reason === 'gone') {
          // The client left; API Gateway will never deliver to this id again.
          return writer.add({
            Statement: `DELETE FROM ${table} WHERE ${quoted('connectionId')} = ?`,
            Parameters: [target.connectionId],
          });
        }
        // Stays suspended: the next resume run retries exactly these.
        return writer.add({
          Statement:
            `UPDATE ${table} SET ${quoted('resumeAttempts')} = ? SET ${quoted('lastError')} = ? ` +
            `WHERE ${quoted('connectionId')} = ? AND ${condition.where}`,
          Parameters: [
            target.resumeAttempts + 1,
            `${failure.reason}: ${failure.name}${failure.status ? ` ${failure.status}` : ''}`,
            target.connectionId,
            ...condition.parameters,
          ],
        });
      },
      flush: () => writer.flush(),
    };
  }

  #shards(): number[] {
    return Array.from({ length: this.#options.shards }, (_, shard) => shard);
  }

  #query(shard: number): QueryCommandInput {
    return {
      TableName: this.#options.tableName,
      IndexName: this.#options.indexName,
      KeyConditionExpression: '#shard = :shard',
      ExpressionAttributeNames: { '#shard': 'suspendShard' },
      ExpressionAttributeValues: { ':shard': shard },
    };
  }

  async #countShard(shard: number): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPagesPerShard; page++) {
      const output = await this.#documentClient.send(
        new QueryCommand({ ...this.#query(shard), Select: 'COUNT', ExclusiveStartKey: startKey }),
      );
      count += output.Count ?? 0;
      startKey = output.LastEvaluatedKey;
      if (!startKey) break;
    }
    return count;
  }

  async *#shardPages(shard: number): AsyncGenerator<readonly ChannelTarget[]> {
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPagesPerShard; page++) {
      const output = await this.#documentClient.send(
        new QueryCommand({
          ...this.#query(shard),
          ProjectionExpression: 'connectionId, suspendedBy, resumeAttempts',
          Limit: this.#pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = output.Items ?? [];
      if (items.length > 0) yield items.map(targetOf);
      startKey = output.LastEvaluatedKey;
      if (!startKey) return;
    }
  }

  async #readSelected(connectionIds: readonly string[]): Promise<ChannelTarget[]> {
    const items = await readConnections(
      this.#documentClient,
      this.#options.tableName,
      connectionIds,
    );
    return items.filter((item) => item.status === 'suspended').map(targetOf);
  }

  #translate(error: unknown): unknown {
    return translateRegistryError(error, {
      tableName: this.#options.tableName,
      variable: 'CONNECTIONS_TABLE',
      indexName: this.#options.indexName,
    });
  }
}

function targetOf(item: Record<string, unknown>): ChannelTarget {
  return {
    connectionId: String(item.connectionId),
    suspendedBy: typeof item.suspendedBy === 'string' ? item.suspendedBy : null,
    resumeAttempts: typeof item.resumeAttempts === 'number' ? item.resumeAttempts : 0,
  };
}
