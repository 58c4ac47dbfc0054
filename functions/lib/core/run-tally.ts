import type { PostFailure } from './classify.js';
import { type Counts, emptyCounts } from './outcome.js';

// What a run has counted so far: every settled post goes through `delivered` or `failed` (the
// success and failure handlers of Powertools' batch processor), which keep the counts per
// reason and a bounded sample of failures for the run record and the logs.

export interface FailureSample {
  connectionId: string;
  reason: string;
  name: string;
  status: number | undefined;
  message: string;
}

export class RunTally {
  readonly counts: Counts = emptyCounts();
  readonly failures: FailureSample[] = [];
  readonly #sampleSize: number;

  constructor(sampleSize: number) {
    if (!Number.isInteger(sampleSize) || sampleSize < 0) {
      throw new TypeError(
        `Expected the failure sample size to be an integer >= 0, got ${sampleSize}`,
      );
    }
    this.#sampleSize = sampleSize;
  }

  add(connectionId: string, failure: PostFailure | undefined): void {
    if (failure) this.failed(connectionId, failure);
    else this.delivered();
  }

  delivered(): void {
    this.counts.delivered++;
  }

  failed(connectionId: string, failure: PostFailure): void {
    if (failure.reason === 'gone') this.counts.gone++;
    else if (failure.reason === 'timedOut') this.counts.timedOut++;
    else if (failure.reason === 'throttled') this.counts.throttled++;
    else this.counts.failed++;
    if (this.failures.length < this.#sampleSize) this.failures.push({ connectionId, ...failure });
  }
}
