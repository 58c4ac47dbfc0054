import { paginateScan, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import type { RunIdentity } from '../core/ports.js';
import type { ReadPage } from './channel-store.js';
import type { DynamoDBClientOption } from './dynamodb.js';
import { DynamoDBResumeStore, type ResumeStoreOptions } from './resume-store.js';

// The Connections table as the undo of a failed suspend sees it: exactly the connections that
// suspend run marked and that are still suspended by it, read with a consistent Scan of the table
// itself (the suspended index is eventually consistent: read milliseconds after the marks, it may
// miss some). Each is resumed as by any resume run, with the same conditional statements.

export interface UndoStoreOptions extends ResumeStoreOptions {
  /** The failed suspend run whose marks are undone. */
  suspendRunId: string;
  /** Parallel Scan segments. */
  segments?: number;
}

export class DynamoDBUndoStore extends DynamoDBResumeStore {
  readonly #suspendRunId: string;
  readonly #segments: number;

  constructor(options: UndoStoreOptions & DynamoDBClientOption) {
    super(options);
    this.#suspendRunId = options.suspendRunId;
    this.#segments = options.segments ?? 4;
  }

  /** No stray shards to look for: the Scan reads the whole table. */
  protected override async survey(): Promise<void> {}

  protected override reads(run: RunIdentity, select: 'items' | 'count'): AsyncIterable<ReadPage>[] {
    return Array.from({ length: this.#segments }, (_, segment) => {
      // An invocation the undo was handed over to skips what the undo tried (and left suspended).
      const skipTried = run.handOvers > 0;
      const scan: ScanCommandInput = {
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: this.#segments,
        ConsistentRead: true,
        FilterExpression: `#status = :suspended AND suspendedBy = :suspendRunId${skipTried ? ' AND (attribute_not_exists(#lastAttemptRun) OR #lastAttemptRun <> :runId)' : ''}`,
        ExpressionAttributeNames: {
          '#status': 'status',
          ...(skipTried ? { '#lastAttemptRun': 'lastAttemptRun' } : {}),
        },
        ExpressionAttributeValues: {
          ':suspended': 'suspended',
          ':suspendRunId': this.#suspendRunId,
          ...(skipTried ? { ':runId': run.runId } : {}),
        },
      };
      return select === 'count'
        ? paginateScan({ client: this.documentClient }, { ...scan, Select: 'COUNT' })
        : paginateScan(
            { client: this.documentClient, pageSize: this.pageSize },
            {
              ...scan,
              ProjectionExpression: 'connectionId, suspendedBy, resumeAttempts, frameKey',
            },
          );
    });
  }
}
