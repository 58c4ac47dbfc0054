import { paginateQuery, paginateScan, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChannelTarget, RecordedResult, RunIdentity } from '../core/ports.js';
import { type ChannelStoreOptions, DynamoDBChannelStore, type ReadPage } from './channel-store.js';
import type { DynamoDBClientOption } from './dynamodb.js';
import { quoted, type Statement } from './statement-writer.js';

// The Connections table as the resume run sees it: the suspended connections, read from the
// sparse suspended index shard by shard in parallel, and each result written back with a
// conditional statement (never resurrect a deleted connection, never clobber a newer suspension).

export interface ResumeStoreOptions extends ChannelStoreOptions {
  indexName: string;
  shards: number;
}

const suspendAttributes = ['suspendedBy', 'suspendedAt', 'suspendShard', 'suspendedInWindow'];
// `lastAttemptRun`: the run that last tried it. An invocation the same run was handed over to
// skips it, so one run tries each connection once; the next run tries it again.
const attemptAttributes = ['resumeAttempts', 'lastError', 'lastAttemptRun'];

export class DynamoDBResumeStore extends DynamoDBChannelStore {
  readonly #indexName: string;
  readonly #shards: number;
  /** Shards past SUSPEND_SHARDS that hold suspended connections: it was higher back then. */
  #strayShards: number[] = [];

  constructor(options: ResumeStoreOptions & DynamoDBClientOption) {
    super(options, { defaultPageSize: 1_000, indexName: options.indexName });
    this.#indexName = options.indexName;
    this.#shards = options.shards;
  }

  /**
   * Connections suspended while SUSPEND_SHARDS was higher sit in shards this run would not
   * read. One Scan of the sparse index (suspended connections only; a few calls per 100,000,
   * as many reads as the count) finds their shards, so that lowering the setting never strands
   * a client, and the log says so.
   */
  protected override async survey(): Promise<void> {
    const found = new Set<number>();
    const pages = paginateScan(
      { client: this.documentClient },
      {
        TableName: this.tableName,
        IndexName: this.#indexName,
        ProjectionExpression: '#shard',
        FilterExpression: '#shard >= :shards',
        ExpressionAttributeNames: { '#shard': 'suspendShard' },
        ExpressionAttributeValues: { ':shards': this.#shards },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (typeof item.suspendShard === 'number') found.add(item.suspendShard);
      }
    }
    this.#strayShards = [...found].sort((a, b) => a - b);
    if (this.#strayShards.length > 0) {
      this.logger.warn(
        `SUSPEND_SHARDS is ${this.#shards}, but shards ${this.#strayShards.join(', ')} hold suspended connections (it was higher when they were suspended); they are resumed too.`,
        { shards: this.#shards, strayShards: this.#strayShards },
      );
    }
  }

  #query(shard: number): QueryCommandInput {
    return {
      TableName: this.tableName,
      IndexName: this.#indexName,
      KeyConditionExpression: '#shard = :shard',
      ExpressionAttributeNames: { '#shard': 'suspendShard' },
      ExpressionAttributeValues: { ':shard': shard },
    };
  }

  protected reads(run: RunIdentity, select: 'items' | 'count'): AsyncIterable<ReadPage>[] {
    const shards = [
      ...Array.from({ length: this.#shards }, (_, shard) => shard),
      ...this.#strayShards,
    ];
    return shards.map((shard) => {
      // An invocation the run was handed over to skips what the run tried (and left suspended).
      const query: QueryCommandInput =
        run.handOvers === 0
          ? this.#query(shard)
          : {
              ...this.#query(shard),
              FilterExpression:
                'attribute_not_exists(#lastAttemptRun) OR #lastAttemptRun <> :runId',
              ExpressionAttributeNames: {
                '#shard': 'suspendShard',
                '#lastAttemptRun': 'lastAttemptRun',
              },
              ExpressionAttributeValues: { ':shard': shard, ':runId': run.runId },
            };
      return select === 'count'
        ? paginateQuery({ client: this.documentClient }, { ...query, Select: 'COUNT' })
        : paginateQuery(
            { client: this.documentClient, pageSize: this.pageSize },
            {
              ...query,
              ProjectionExpression: 'connectionId, suspendedBy, resumeAttempts, frameKey',
            },
          );
    });
  }

  protected handles(item: Record<string, unknown>): boolean {
    return item.status === 'suspended';
  }

  protected targetOf(item: Record<string, unknown>): ChannelTarget {
    return {
      connectionId: String(item.connectionId),
      suspendedBy: typeof item.suspendedBy === 'string' ? item.suspendedBy : null,
      resumeAttempts: typeof item.resumeAttempts === 'number' ? item.resumeAttempts : 0,
    };
  }

  protected statementFor({ target, failure }: RecordedResult, run: RunIdentity): Statement {
    const table = quoted(this.tableName);
    const condition =
      target.suspendedBy === null
        ? { where: `${quoted('suspendedBy')} IS MISSING`, parameters: [] }
        : { where: `${quoted('suspendedBy')} = ?`, parameters: [target.suspendedBy] };
    if (!failure) {
      // The attempt attributes exist only after a failed attempt; most statements skip them.
      const removed =
        target.resumeAttempts > 0
          ? [...suspendAttributes, ...attemptAttributes]
          : suspendAttributes;
      return {
        Statement:
          `UPDATE ${table} SET ${quoted('status')} = 'active' ` +
          removed.map((name) => `REMOVE ${quoted(name)}`).join(' ') +
          ` WHERE ${quoted('connectionId')} = ? AND ${condition.where}`,
        Parameters: [target.connectionId, ...condition.parameters],
      };
    }
    if (failure.reason === 'gone') return this.deleteStatement(target.connectionId);
    // Stays suspended: the next resume run retries exactly these.
    return {
      Statement:
        `UPDATE ${table} SET ${quoted('resumeAttempts')} = ? SET ${quoted('lastError')} = ? ` +
        `SET ${quoted('lastAttemptRun')} = ? ` +
        `WHERE ${quoted('connectionId')} = ? AND ${condition.where}`,
      Parameters: [
        target.resumeAttempts + 1,
        `${failure.reason}: ${failure.name}${failure.status ? ` ${failure.status}` : ''}`,
        run.runId,
        target.connectionId,
        ...condition.parameters,
      ],
    };
  }
}
