import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  ChannelStore,
  ChannelTarget,
  Logger,
  RecordedResult,
  ResultRecorder,
  RunIdentity,
  StoreSession,
} from '../core/ports.js';
import { chunk, mergePages } from '../core/registry/pages.js';
import { type DynamoDBClientOption, documentClientFrom, readConnections } from './dynamodb.js';
import { translateRegistryError } from './registry-errors.js';
import { BatchStatementWriter, quoted, type Statement } from './statement-writer.js';

// The Connections table as a run sees it. What suspend and resume share lives here: counting,
// reading the sources (shards or scan segments) side by side one page ahead, a console run's
// own list of ids, error translation, and writing each result through the statement writer.
// Each kind supplies only its reads, which items it takes, and its statements (the Powertools
// split of BasePersistenceLayer and DynamoDBPersistenceLayer).

export interface ChannelStoreOptions {
  tableName: string;
  /** Only these connections (a console run); otherwise every one the kind handles. */
  connectionIds?: readonly string[] | undefined;
  pageSize?: number;
  logger: Logger;
}

/** One page of a paged read: the items, or only their count. */
export interface ReadPage {
  Items?: Record<string, unknown>[];
  Count?: number;
}

export abstract class DynamoDBChannelStore implements ChannelStore {
  protected readonly documentClient: DynamoDBDocumentClient;
  protected readonly tableName: string;
  protected readonly logger: Logger;
  protected readonly pageSize: number;
  readonly #indexName: string | undefined;
  readonly #connectionIds: readonly string[] | undefined;
  /** A console run's own list, read once by count() (at most 10,000 ids). */
  #selected: ChannelTarget[] | undefined;

  constructor(
    options: ChannelStoreOptions & DynamoDBClientOption,
    kind: { defaultPageSize: number; indexName?: string },
  ) {
    this.documentClient = documentClientFrom(options);
    this.tableName = options.tableName;
    this.logger = options.logger;
    this.pageSize = options.pageSize ?? kind.defaultPageSize;
    // The index a kind reads, for the error that says it is missing.
    this.#indexName = kind.indexName;
    this.#connectionIds = options.connectionIds;
  }

  /** The paged reads of this kind, one per shard or segment: items or counts only. */
  protected abstract reads(run: RunIdentity, select: 'items' | 'count'): AsyncIterable<ReadPage>[];
  /** Whether an item read by id (a console run) is one this kind handles. */
  protected abstract handles(item: Record<string, unknown>, run: RunIdentity): boolean;
  protected abstract targetOf(item: Record<string, unknown>): ChannelTarget;
  /** The statement that records a result, if the result changes the item. */
  protected abstract statementFor(result: RecordedResult, run: RunIdentity): Statement | undefined;

  /** What a page goes through before it is handed out (suspend marks it); by default nothing. */
  protected async prepare(
    targets: readonly ChannelTarget[],
    _run: RunIdentity,
    _session: StoreSession,
  ): Promise<readonly ChannelTarget[]> {
    return targets;
  }

  /** Looks, before the count, for what the reads need to know (resume: stray shards). */
  protected async survey(): Promise<void> {}

  async count(run: RunIdentity): Promise<number> {
    try {
      if (this.#connectionIds) return (await this.#readSelected(run)).length;
      await this.survey();
      const perSource = await Promise.all(
        this.reads(run, 'count').map(async (pages) => {
          let count = 0;
          for await (const page of pages) count += page.Count ?? 0;
          return count;
        }),
      );
      return perSource.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      throw this.#translate(error);
    }
  }

  async *pages(run: RunIdentity, session: StoreSession): AsyncGenerator<readonly ChannelTarget[]> {
    try {
      const pages = this.#connectionIds
        ? this.#selectedPages(run)
        : mergePages(this.reads(run, 'items').map((read) => this.#targetPages(read)));
      for await (const page of pages) {
        const ready = await this.prepare(page, run, session);
        if (ready.length > 0) yield ready;
      }
    } catch (error) {
      throw this.#translate(error);
    }
  }

  recorder(run: RunIdentity, session: StoreSession): ResultRecorder {
    const writer = this.writer(session);
    return {
      record: (result, recorded) => {
        const statement = this.statementFor(result, run);
        if (statement) return writer.add(statement, recorded);
        // Nothing to change in the item (suspend's delivered post: it is marked already).
        recorded('written');
        return undefined;
      },
      flush: () => writer.flush(),
    };
  }

  /** A statement writer that retries throttled writes until the run nears its deadline. */
  protected writer(session: StoreSession, lostMessage?: string): BatchStatementWriter {
    return new BatchStatementWriter({
      documentClient: this.documentClient,
      logger: this.logger,
      keepRetrying: () => session.keepRetrying(),
      ...(lostMessage ? { lostMessage } : {}),
    });
  }

  /** The client left; API Gateway will never deliver to this id again. */
  protected deleteStatement(connectionId: string): Statement {
    return {
      Statement: `DELETE FROM ${quoted(this.tableName)} WHERE ${quoted('connectionId')} = ?`,
      Parameters: [connectionId],
    };
  }

  async *#targetPages(pages: AsyncIterable<ReadPage>): AsyncGenerator<ChannelTarget[]> {
    for await (const page of pages) {
      const items = page.Items ?? [];
      if (items.length > 0) yield items.map((item) => this.#keyedTargetOf(item));
    }
  }

  async *#selectedPages(run: RunIdentity): AsyncGenerator<ChannelTarget[]> {
    yield* chunk(await this.#readSelected(run), this.pageSize);
  }

  async #readSelected(run: RunIdentity): Promise<ChannelTarget[]> {
    if (!this.#selected) {
      const items = await readConnections(
        this.documentClient,
        this.tableName,
        this.#connectionIds ?? [],
      );
      this.#selected = items
        .filter((item) => this.handles(item, run))
        .map((item) => this.#keyedTargetOf(item));
    }
    return this.#selected;
  }

  /** The kind's target, with the frame key the client connected with (both kinds read it). */
  #keyedTargetOf(item: Record<string, unknown>): ChannelTarget {
    const target = this.targetOf(item);
    if (typeof item.frameKey === 'string') target.frameKey = item.frameKey;
    return target;
  }

  #translate(error: unknown): unknown {
    return translateRegistryError(error, {
      tableName: this.tableName,
      variable: 'CONNECTIONS_TABLE',
      indexName: this.#indexName,
    });
  }
}
