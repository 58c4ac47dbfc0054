// How many posts a run lets be in flight right now: additive increase, multiplicative decrease
// (as TCP's congestion control). A storm of 429s from the Management API means the account's
// shared rate (10,000 requests/s, 2,500 in the newer regions, shared with the live app) is used
// up; sending as fast as before only makes the storm last. But a single 429 also means one
// client's buffer is full (DESIGN.md), which says nothing about the others. So the limit halves
// only when throttles are a real share of the recent answers (`stormShare` of a block of
// `sampleSize` answers), at most once per `cooldownMs`; it grows by one for every `size`
// deliveries (as many as it allows), back up to the configured concurrency.

export interface InFlightLimit {
  /** Posts allowed in flight now: 1 to the configured maximum. */
  readonly size: number;
  /** Smallest size reached so far (reported in the summary). */
  readonly smallest: number;
  throttled(): void;
  delivered(): void;
  /** Any other answer: it counts toward the share of throttles. */
  answered(): void;
}

export interface InFlightLimitOptions {
  max: number;
  cooldownMs?: number;
  /** Answers in a block: the share of throttles is taken over the latest block. */
  sampleSize?: number;
  /** The share of a block's answers that must be throttles for the limit to halve. */
  stormShare?: number;
  now?: () => number;
}

export function createInFlightLimit(options: InFlightLimitOptions): InFlightLimit {
  const { max } = options;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError(`Expected max to be an integer >= 1, got ${max}`);
  }
  const cooldownMs = options.cooldownMs ?? 250;
  if (!Number.isFinite(cooldownMs) || cooldownMs < 0) {
    throw new TypeError(`Expected cooldownMs to be a number >= 0, got ${cooldownMs}`);
  }
  const sampleSize = options.sampleSize ?? 100;
  const stormShare = options.stormShare ?? 0.2;
  if (!Number.isInteger(sampleSize) || sampleSize < 1) {
    throw new TypeError(`Expected sampleSize to be an integer >= 1, got ${sampleSize}`);
  }
  if (!(stormShare > 0 && stormShare <= 1)) {
    throw new TypeError(`Expected stormShare to be a number in (0, 1], got ${stormShare}`);
  }
  const now = options.now ?? Date.now;
  let size = max;
  let smallest = max;
  let growth = 0;
  let lastDecrease = Number.NEGATIVE_INFINITY;
  // Answers and throttles of the current block; a new block starts when it is full or the
  // limit halves.
  let answers = 0;
  let throttles = 0;
  const count = (throttle: boolean) => {
    if (answers >= sampleSize) {
      answers = 0;
      throttles = 0;
    }
    answers++;
    if (throttle) throttles++;
  };
  return {
    get size() {
      return Math.floor(size);
    },
    get smallest() {
      return Math.floor(smallest);
    },
    throttled() {
      count(true);
      if (throttles < stormShare * sampleSize) return;
      const current = now();
      if (current - lastDecrease < cooldownMs) return;
      lastDecrease = current;
      size = Math.max(1, size / 2);
      smallest = Math.min(smallest, size);
      growth = 0;
      answers = 0;
      throttles = 0;
    },
    delivered() {
      count(false);
      if (size >= max) return;
      growth++;
      if (growth >= size) {
        growth = 0;
        size = Math.min(max, size + 1);
      }
    },
    answered() {
      count(false);
    },
  };
}
