import {
  BatchExecuteStatementCommand,
  type BatchExecuteStatementCommandInput,
  type BatchExecuteStatementCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { type Backoff, createBackoff, sleep } from '../core/backoff.js';
import type { Logger, RecorderSummary } from '../core/ports.js';
import { isTransient } from '../core/sdk-error.js';

// Writes per-connection results in batches of 25 conditional PartiQL statements (the most one
// BatchExecuteStatement takes): 40 calls per 1,000 results instead of 1,000. At most
// maxBatchesInFlight batches are written at once; past that, `add` returns a promise so the posting
// side slows down to the table's pace instead of piling results (and requests) up in memory.

export type Statement = NonNullable<BatchExecuteStatementCommandInput['Statements']>[number];

/** What became of one statement: written, skipped by its condition, or lost after retries. */
export type StatementFate = 'written' | 'skipped' | 'unrecorded';

interface PendingStatement {
  statement: Statement;
  onSettled: ((fate: StatementFate) => void) | undefined;
}

const batchSize = 25;
/** Statements buffered before `add` holds its caller: two batches waiting for a slot. */
const maxPending = 2 * batchSize;

/** Per-statement errors worth another try; the others (a condition, a validation) are final. */
const retryableStatementErrors = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
  'TransactionConflict',
  'InternalServerError',
]);

export interface StatementWriterOptions {
  documentClient: DynamoDBDocumentClient;
  logger: Logger;
  maxBatchesInFlight?: number;
  /**
   * While true, throttled or transient failures are retried (a run passes "until near its
   * deadline"); the retries are bounded by `maxRetries` too. Without it, `maxRetries` alone.
   */
  keepRetrying?: () => boolean;
  /**
   * 5 without `keepRetrying`; with it, the time it allows is the bound, and this count (1,000,
   * about 17 minutes of backoff) only keeps the loop finite.
   */
  maxRetries?: number;
  random?: () => number;
  /** The error line for statements that could not be written. */
  lostMessage?: string;
}

export class BatchStatementWriter {
  readonly #documentClient: DynamoDBDocumentClient;
  readonly #logger: Logger;
  readonly #maxBatchesInFlight: number;
  readonly #maxRetries: number;
  readonly #keepRetrying: () => boolean;
  readonly #backoff: Backoff;
  readonly #lostMessage: string;
  #pending: PendingStatement[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  /** Callers held because the buffer is full; woken when a batch ends and makes room. */
  #waiting: Array<() => void> = [];
  #flushing = false;
  readonly #summary: RecorderSummary = { skipped: 0, unrecorded: 0, calls: 0 };
  #errorsLogged = 0;

  constructor(options: StatementWriterOptions) {
    this.#documentClient = options.documentClient;
    this.#logger = options.logger;
    this.#maxBatchesInFlight = options.maxBatchesInFlight ?? 16;
    this.#maxRetries = options.maxRetries ?? (options.keepRetrying ? 1_000 : 5);
    this.#keepRetrying = options.keepRetrying ?? (() => true);
    // The first retry is attempt 1, so its wait is up to 100 ms (not the base, 50).
    this.#backoff = createBackoff({ baseMs: 50, maxMs: 2_000, random: options.random });
    this.#lostMessage = options.lostMessage ?? 'Could not write results to the registry';
  }

  /** Batches being written now; never more than maxBatchesInFlight. */
  get batchesInFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Queues a statement. Returns a promise when the buffer is full (every batch slot taken and
   * two batches waiting): the caller waits until a batch ends, so results never pile up faster
   * than the table takes them, and memory stays bounded whatever the number of connections.
   */
  add(statement: Statement, onSettled?: (fate: StatementFate) => void): undefined | Promise<void> {
    this.#pending.push({ statement, onSettled });
    this.#startBatches();
    if (this.#pending.length < maxPending) return undefined;
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Writes what is left and waits for every batch; never throws (failures are counted). */
  async flush(): Promise<RecorderSummary> {
    this.#flushing = true;
    this.#startBatches();
    // A batch that ends starts the next one, so wait until none is left.
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
    this.#flushing = false;
    return { ...this.#summary };
  }

  /** Starts full batches (and, when flushing, the last partial one) while a slot is free. */
  #startBatches(): void {
    while (
      this.#inFlight.size < this.#maxBatchesInFlight &&
      (this.#pending.length >= batchSize || (this.#flushing && this.#pending.length > 0))
    ) {
      const entries = this.#pending.splice(0, batchSize);
      const batch = this.#write(entries).finally(() => {
        this.#inFlight.delete(batch);
        this.#startBatches();
        this.#wakeIfRoom();
      });
      this.#inFlight.add(batch);
    }
  }

  #wakeIfRoom(): void {
    if (this.#pending.length >= maxPending || this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }

  async #write(entries: PendingStatement[]): Promise<void> {
    let remaining = entries;
    for (let attempt = 0; attempt <= this.#maxRetries && remaining.length > 0; attempt++) {
      if (attempt > 0 && !this.#keepRetrying()) break;
      if (attempt > 0) await sleep(this.#backoff.delayFor(attempt));
      this.#summary.calls++;
      let responses: BatchExecuteStatementCommandOutput['Responses'];
      try {
        const output = await this.#documentClient.send(
          new BatchExecuteStatementCommand({
            Statements: remaining.map((entry) => entry.statement),
          }),
        );
        responses = output.Responses;
      } catch (error) {
        // The SDK already retried throttling and 5xx a few times; while the run has time, what is
        // transient is worth more tries, whatever the SDK calls it.
        if (!isTransient(error) || attempt === this.#maxRetries || !this.#keepRetrying()) {
          this.#lose(remaining, error);
          return;
        }
        continue;
      }
      const retry: PendingStatement[] = [];
      remaining.forEach((entry, index) => {
        const code = responses?.[index]?.Error?.Code;
        if (code === undefined) entry.onSettled?.('written');
        else if (code === 'ConditionalCheckFailed') {
          this.#summary.skipped++;
          entry.onSettled?.('skipped');
        } else if (retryableStatementErrors.has(code)) retry.push(entry);
        else this.#lose([entry], responses?.[index]?.Error);
      });
      remaining = retry;
    }
    if (remaining.length > 0) this.#lose(remaining, new Error('retries exhausted'));
  }

  #lose(entries: PendingStatement[], error: unknown): void {
    this.#summary.unrecorded += entries.length;
    for (const entry of entries) entry.onSettled?.('unrecorded');
    // One line per distinct burst is enough at 3 a.m.; the count is in the run record.
    if (this.#errorsLogged < 5) {
      this.#errorsLogged++;
      this.#logger.error(this.#lostMessage, { count: entries.length, error });
    }
  }
}

/** A PartiQL identifier: double quotes, so that reserved words (`status`) are names. */
export const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
