import { paginateScan, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChannelTarget, RecordedResult, RunIdentity, StoreSession } from '../core/ports.js';
import { shardOf } from '../core/registry/pages.js';
import { type ChannelStoreOptions, DynamoDBChannelStore, type ReadPage } from './channel-store.js';
import type { DynamoDBClientOption } from './dynamodb.js';
import { quoted, type Statement } from './statement-writer.js';

// The Connections table as the suspend run sees it: the active connections opened before the
// run started, read with a parallel Scan, and each page marked suspended by this run *before*
// its frames are posted. A client is never told to suspend without its record saying so (a
// crash between the two would leave it waiting for a resume that never comes); a connection
// whose post then fails stays marked, and the next resume tells it to go on.

export interface SuspendStoreOptions extends ChannelStoreOptions {
  shards: number;
  /** Parallel Scan segments. */
  segments?: number;
}

export class DynamoDBSuspendStore extends DynamoDBChannelStore {
  readonly #shards: number;
  readonly #segments: number;

  constructor(options: SuspendStoreOptions & DynamoDBClientOption) {
    super(options, { defaultPageSize: 500 });
    this.#shards = options.shards;
    this.#segments = options.segments ?? 4;
  }

  /** Active connections opened before the run: those opened since are never suspended. */
  protected reads(run: RunIdentity, select: 'items' | 'count'): AsyncIterable<ReadPage>[] {
    return Array.from({ length: this.#segments }, (_, segment) => {
      const scan: ScanCommandInput = {
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: this.#segments,
        FilterExpression: '#status = :active AND connectedAt <= :runStart',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active', ':runStart': run.startedAt },
      };
      return select === 'count'
        ? paginateScan({ client: this.documentClient }, { ...scan, Select: 'COUNT' })
        : paginateScan(
            { client: this.documentClient, pageSize: this.pageSize },
            { ...scan, ProjectionExpression: 'connectionId, frameKey' },
          );
    });
  }

  protected handles(item: Record<string, unknown>, run: RunIdentity): boolean {
    return item.status === 'active' && Number(item.connectedAt) <= run.startedAt;
  }

  protected targetOf(item: Record<string, unknown>): ChannelTarget {
    return { connectionId: String(item.connectionId), suspendedBy: null, resumeAttempts: 0 };
  }

  /** Delivered, timed out or failed: already marked suspended. Gone: the client left. */
  protected statementFor({ target, failure }: RecordedResult): Statement | undefined {
    return failure?.reason === 'gone' ? this.deleteStatement(target.connectionId) : undefined;
  }

  /**
   * Unmarks connections this run marked but never told (the rest of the page when it stopped):
   * back to active, so that the invocation the run is handed over to, or the next run, suspends
   * them, and so that nothing says suspended about a client that was never told.
   */
  async giveBack(
    run: RunIdentity,
    session: StoreSession,
    targets: readonly ChannelTarget[],
  ): Promise<void> {
    const writer = this.writer(
      session,
      'Could not unmark connections that were not told to suspend',
    );
    const table = quoted(this.tableName);
    for (const { connectionId } of targets) {
      void writer.add({
        Statement:
          `UPDATE ${table} SET ${quoted('status')} = 'active' ` +
          `REMOVE ${quoted('suspendedBy')} REMOVE ${quoted('suspendedAt')} REMOVE ${quoted('suspendShard')} ` +
          `WHERE ${quoted('connectionId')} = ? AND ${quoted('suspendedBy')} = ?`,
        Parameters: [connectionId, run.runId],
      });
    }
    await writer.flush();
  }

  /**
   * Marks the page suspended by this run through the statement writer; hands out those marked.
   * A connection that disconnected or was suspended meanwhile is left out.
   */
  protected override async prepare(
    targets: readonly ChannelTarget[],
    run: RunIdentity,
    session: StoreSession,
  ): Promise<readonly ChannelTarget[]> {
    const table = quoted(this.tableName);
    const suspendedAt = new Date(run.startedAt).toISOString();
    const writer = this.writer(
      session,
      'Could not mark connections suspended; they are not posted to',
    );
    const marked = new Set<string>();
    for (const target of targets) {
      const { connectionId } = target;
      void writer.add(
        {
          Statement:
            `UPDATE ${table} SET ${quoted('status')} = 'suspended' SET ${quoted('suspendedBy')} = ? ` +
            `SET ${quoted('suspendedAt')} = ? SET ${quoted('suspendShard')} = ? ` +
            `REMOVE ${quoted('resumeAttempts')} REMOVE ${quoted('lastError')} ` +
            `WHERE ${quoted('connectionId')} = ? AND ${quoted('status')} = 'active'`,
          Parameters: [run.runId, suspendedAt, shardOf(connectionId, this.#shards), connectionId],
        },
        (fate) => {
          // Not marked, not posted to: a client is never told to suspend unless recorded so.
          if (fate === 'written') marked.add(connectionId);
          else session.leftOut(target, fate);
        },
      );
    }
    await writer.flush();
    return targets.filter((target) => marked.has(target.connectionId));
  }
}
