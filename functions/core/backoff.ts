// How long to wait before retrying, and the wait itself. One formula for every retry loop in the
// project (posts throttled by the Management API, statements DynamoDB throttled, keys it left
// unprocessed), so they cannot drift apart.

export interface BackoffOptions {
  /** The ceiling of the wait for attempt 0; it doubles with every attempt. */
  baseMs: number;
  /** No wait is longer than this, however many attempts. */
  maxMs: number;
  /**
   * `full` (the default) waits a random time between 0 and the ceiling: many callers throttled
   * at once spread their retries over the whole window instead of coming back together.
   * `equal` waits at least half the ceiling and a random time up to the rest: the waits still
   * spread, and their sum has a floor, so a caller outlasts a storm of known length.
   * `none` waits the ceiling itself, for a loop that is alone on its table.
   */
  jitter?: 'full' | 'equal' | 'none';
  /** A number in [0, 1); injectable so tests can pin the wait. */
  random?: () => number;
}

export interface Backoff {
  /** The wait in milliseconds before retry number `attempt` (0 or more; the caller counts). */
  delayFor(attempt: number): number;
}

function checkDuration(name: string, value: unknown, min: number, expected: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be ${expected}, got ${String(value)}`);
  }
}

export function createBackoff(options: BackoffOptions): Backoff {
  // Checked here, once, so a bad option fails where it is written, not at the first retry.
  checkDuration('baseMs', options.baseMs, 0, 'a finite number >= 0');
  checkDuration(
    'maxMs',
    options.maxMs,
    options.baseMs,
    `a finite number >= baseMs (${options.baseMs})`,
  );
  const jitter = options.jitter ?? 'full';
  if (jitter !== 'full' && jitter !== 'equal' && jitter !== 'none') {
    throw new TypeError(
      `Expected \`jitter\` to be 'full', 'equal' or 'none', got ${String(jitter)}`,
    );
  }
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new TypeError(
      `Expected \`random\` to be a function returning [0, 1), got ${typeof random}`,
    );
  }
  const { baseMs, maxMs } = options;

  return {
    delayFor(attempt: number): number {
      if (!Number.isInteger(attempt) || attempt < 0) {
        throw new TypeError(`Expected \`attempt\` to be an integer >= 0, got ${attempt}`);
      }
      // 0 * 2 ** 1024 is NaN (the power overflows to Infinity): a zero base never grows.
      const ceiling = baseMs === 0 ? 0 : Math.min(maxMs, baseMs * 2 ** attempt);
      if (jitter === 'none') return ceiling;
      if (jitter === 'equal') return Math.floor(ceiling / 2 + random() * (ceiling / 2));
      return Math.floor(random() * ceiling);
    },
  };
}

/**
 * Resolves after `ms` milliseconds. With a signal it rejects with the signal's reason as soon as
 * the signal aborts (at once if it already has), and the timer is cleared so nothing is left
 * pending: a run told to stop does not sit out a backoff first.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  checkDuration('ms', ms, 0, 'a finite number >= 0');
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got ${typeof signal}`);
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
