import type { WriteFate } from '../ports.js';
import type { PostFailure } from '../posting/classify.js';
import { type Counts, emptyCounts } from './outcome.js';

// What a run has counted so far. A connection is counted once its fate is known: after its
// post settled *and* its result was written (the success and failure handlers of Powertools'
// batch processor). A result that could not be written is counted `unrecorded`, not as what
// the post came to: the registry still says the old state. A bounded sample of failures goes
// to the run record and the logs.

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

  /** `before`: what the invocations before this one counted of the run; this one adds to it. */
  constructor(sampleSize: number, before?: Counts) {
    if (!Number.isInteger(sampleSize) || sampleSize < 0) {
      throw new TypeError(
        `Expected the failure sample size to be an integer >= 0, got ${sampleSize}`,
      );
    }
    this.#sampleSize = sampleSize;
    if (before) {
      // The buckets go on; the total and the unreached are this invocation's to say.
      Object.assign(this.counts, before, { total: 0, remaining: 0 });
    }
  }

  /** A post settled and its result's write has a fate. */
  add(connectionId: string, failure: PostFailure | undefined, fate: WriteFate): void {
    if (fate === 'unrecorded') {
      this.unrecorded(connectionId, failure ? `after ${failure.reason}` : 'after delivery');
      return;
    }
    if (!failure) {
      this.counts.delivered++;
      return;
    }
    if (failure.reason === 'gone') this.counts.gone++;
    else if (failure.reason === 'timedOut') this.counts.timedOut++;
    else if (failure.reason === 'throttled') this.counts.throttled++;
    else this.counts.failed++;
    this.#sample({ connectionId, ...failure });
  }

  /** A connection the store read but did not hand out. */
  leftOut(connectionId: string, fate: 'skipped' | 'unrecorded'): void {
    if (fate === 'skipped') this.counts.skipped++;
    else this.unrecorded(connectionId, 'its suspend mark could not be written; not posted to');
  }

  unrecorded(connectionId: string, message: string): void {
    this.counts.unrecorded++;
    this.#sample({
      connectionId,
      reason: 'unrecorded',
      name: 'WriteFailed',
      status: undefined,
      message,
    });
  }

  /** Every connection counted so far, whatever its bucket. */
  get settled(): number {
    const { delivered, gone, timedOut, throttled, failed, unrecorded, skipped } = this.counts;
    return delivered + gone + timedOut + throttled + failed + unrecorded + skipped;
  }

  #sample(failure: FailureSample): void {
    if (this.failures.length < this.#sampleSize) this.failures.push(failure);
  }
}
