import { paginateScan, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ChannelTarget, RecordedResult, RunIdentity, StoreSession } from '../core/ports.js';
import { shardOf } from '../core/registry/pages.js';
import { type ChannelStoreOptions, DynamoDBChannelStore, type ReadPage } from './channel-store.js';
import type { DynamoDBClientOption } from './dynamodb.js';
import { quoted, type Statement } from './statement-writer.js';

// The Connections table as the suspend run sees it: every connection not suspended in the run's
// deployment window (whatever an earlier run left in the registry: a live client the registry
// calls suspended may have been told to resume), and not let in by $connect while that window
// was open, read with a consistent parallel Scan (a connection registered before the window
// opened is seen), and each page marked suspended by this run *before* its frames are posted. A
// client is never told to suspend without its record saying so (a crash between the two would
// leave it waiting for a resume that never comes). A connection whose post surely did not reach
// it (throttled to the end, refused) is put back as it was; one whose post may have reached it
// (a timeout, a failure) stays marked, and the next resume tells it to go on.

/** Failures that say the frame never reached the client: nothing tells it to wait. */
const surelyNotDelivered = new Set(['throttled', 'forbidden', 'tooLarge']);
/** What a suspend's mark adds to a registry item. */
const markAttributes = ['suspendedBy', 'suspendedAt', 'suspendShard', 'suspendedInWindow'];

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

  /** Every connection but those suspended in the run's window, or let in while it was open. */
  protected reads(run: RunIdentity, select: 'items' | 'count'): AsyncIterable<ReadPage>[] {
    return Array.from({ length: this.#segments }, (_, segment) => {
      const scan: ScanCommandInput = {
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: this.#segments,
        ConsistentRead: true,
        FilterExpression:
          '(attribute_not_exists(suspendedInWindow) OR suspendedInWindow <> :window) AND ' +
          '(attribute_not_exists(admittedInWindow) OR admittedInWindow <> :window)',
        ExpressionAttributeValues: { ':window': run.windowId },
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
    return item.suspendedInWindow !== run.windowId && item.admittedInWindow !== run.windowId;
  }

  protected targetOf(item: Record<string, unknown>): ChannelTarget {
    return { connectionId: String(item.connectionId), suspendedBy: null, resumeAttempts: 0 };
  }

  /**
   * Delivered, timed out or failed: already marked suspended (a timed-out or failed post may have
   * reached the client). Gone: the client left. Throttled to the end or refused: the client was
   * surely not told, so its record says so again.
   */
  protected statementFor(
    { target, failure }: RecordedResult,
    run: RunIdentity,
  ): Statement | undefined {
    if (failure?.reason === 'gone') return this.deleteStatement(target.connectionId);
    if (failure && surelyNotDelivered.has(failure.reason)) {
      return this.#putBack(target.connectionId, run);
    }
    return undefined;
  }

  /** Back to active, if this run's mark is still there (never over a newer suspension). */
  #putBack(connectionId: string, run: RunIdentity): Statement {
    return {
      Statement:
        `UPDATE ${quoted(this.tableName)} SET ${quoted('status')} = 'active' ` +
        markAttributes.map((name) => `REMOVE ${quoted(name)}`).join(' ') +
        ` WHERE ${quoted('connectionId')} = ? AND ${quoted('suspendedBy')} = ?`,
      Parameters: [connectionId, run.runId],
    };
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
    for (const { connectionId } of targets) void writer.add(this.#putBack(connectionId, run));
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
            `SET ${quoted('suspendedInWindow')} = ? ` +
            `REMOVE ${quoted('resumeAttempts')} REMOVE ${quoted('lastError')} ` +
            `REMOVE ${quoted('lastAttemptRun')} REMOVE ${quoted('admittedInWindow')} ` +
            // Still there (not disconnected), and not suspended in this window or let in while
            // it was open, since the read.
            `WHERE ${quoted('connectionId')} = ? AND ${quoted('status')} IS NOT MISSING ` +
            `AND (${quoted('suspendedInWindow')} IS MISSING OR ${quoted('suspendedInWindow')} <> ?) ` +
            `AND (${quoted('admittedInWindow')} IS MISSING OR ${quoted('admittedInWindow')} <> ?)`,
          Parameters: [
            run.runId,
            suspendedAt,
            shardOf(connectionId, this.#shards),
            run.windowId,
            connectionId,
            run.windowId,
            run.windowId,
          ],
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
