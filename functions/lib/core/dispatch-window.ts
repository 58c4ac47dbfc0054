// How many posts a run lets be in flight right now: additive increase, multiplicative decrease
// (as TCP's congestion window). A 429 from the Management API means the account's shared rate
// (10,000 requests/s, 2,500 in the newer regions, shared with the live app) or a client's buffer
// is full; sending as fast as before only makes the storm last. So the window halves on a
// throttle (at most once per `cooldownMs`, so one burst of 429s counts once) and grows by one
// for every `window` deliveries, back up to the configured concurrency.

export interface DispatchWindow {
  /** Posts allowed in flight now: 1 to the configured maximum. */
  readonly size: number;
  /** Smallest size reached so far (reported in the summary). */
  readonly smallest: number;
  throttled(): void;
  delivered(): void;
}

export function createDispatchWindow(options: {
  max: number;
  cooldownMs?: number;
  now?: () => number;
}): DispatchWindow {
  const { max } = options;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError(`Expected max to be an integer >= 1, got ${max}`);
  }
  const cooldownMs = options.cooldownMs ?? 250;
  if (!Number.isFinite(cooldownMs) || cooldownMs < 0) {
    throw new TypeError(`Expected cooldownMs to be a number >= 0, got ${cooldownMs}`);
  }
  const now = options.now ?? Date.now;
  let size = max;
  let smallest = max;
  let growth = 0;
  let lastDecrease = Number.NEGATIVE_INFINITY;
  return {
    get size() {
      return Math.floor(size);
    },
    get smallest() {
      return Math.floor(smallest);
    },
    throttled() {
      const current = now();
      if (current - lastDecrease < cooldownMs) return;
      lastDecrease = current;
      size = Math.max(1, size / 2);
      smallest = Math.min(smallest, size);
      growth = 0;
    },
    delivered() {
      if (size >= max) return;
      growth++;
      if (growth >= size) {
        growth = 0;
        size = Math.min(max, size + 1);
      }
    },
  };
}
