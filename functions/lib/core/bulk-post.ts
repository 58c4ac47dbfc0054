import type { PreconditionFailedError } from '../errors.js';
import { createBackoff, sleep } from './backoff.js';
import { classifyPostError, type PostFailure, PostTimeoutError } from './classify.js';
import { LatencyHistogram } from './latency-histogram.js';
import { createRefusalProbe } from './refusal-probe.js';

// One mechanism for posting a control frame to many connections, used by suspend and resume:
// a fixed pool of workers pulls targets from a paged source (so the set is streamed, never held
// whole), each post bounded by a timeout enforced with an abort signal, throttled posts retried
// with jittered backoff, an optional rate cap, and a stop check before every dispatch (the
// Lambda's deadline). Results go to a sink that may push back by returning a promise.

export interface PostResult<Target> {
  target: Target;
  /** Undefined when the frame was delivered. */
  failure: PostFailure | undefined;
  attempts: number;
  /** From the first dispatch to the last answer, retries and backoff included. */
  latencyMs: number;
}

export interface BulkPostProgress {
  settled: number;
  delivered: number;
  inFlight: number;
  elapsedMs: number;
}

export interface BulkPostOptions<Target> {
  /** Pages of targets, pulled only when a worker needs the next target. */
  targets: AsyncIterable<readonly Target[]>;
  post: (target: Target, signal: AbortSignal) => Promise<void>;
  /** Receives every settled post; a returned promise holds the worker until it resolves. */
  onResult: (result: PostResult<Target>) => void | Promise<void>;
  concurrency: number;
  timeoutMs: number;
  maxPostsPerSecond?: number | undefined;
  /** Extra attempts after a 429; counted as throttled if none gets through. */
  throttleRetries?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Checked before every dispatch: true stops dispatching, posts in flight still finish. */
  shouldStopDispatching?: () => boolean;
  /**
   * When this many first answers are all refusals (403 or 413), every other post will be
   * refused too: stop at once with a PreconditionFailedError instead of sending them.
   */
  refusalProbeSize?: number;
  onProgress?: (progress: BulkPostProgress) => void;
  progressIntervalMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface BulkPostSummary {
  dispatched: number;
  settled: number;
  delivered: number;
  /** Stopped by shouldStopDispatching before the source was exhausted. */
  stoppedEarly: boolean;
  maxInFlight: number;
  latency: { p50: number; p99: number; max: number };
}

const defaults = {
  throttleRetries: 3,
  backoff: { baseMs: 50, maxMs: 2_000 },
  refusalProbeSize: 5,
  progressIntervalMs: 5_000,
};

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected ${name} to be an integer >= ${min}, got ${value}`);
  }
}

export async function postToAll<Target>(
  options: BulkPostOptions<Target>,
): Promise<BulkPostSummary> {
  checkInteger('concurrency', options.concurrency, 1);
  checkInteger('timeoutMs', options.timeoutMs, 1);
  if (options.maxPostsPerSecond !== undefined) {
    checkInteger('maxPostsPerSecond', options.maxPostsPerSecond, 1);
  }
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const throttleRetries = options.throttleRetries ?? defaults.throttleRetries;
  checkInteger('throttleRetries', throttleRetries, 0);
  const backoff = options.backoff ?? defaults.backoff;
  // Full jitter: spreads the retries of many throttled posts over the whole window.
  const throttleBackoff = createBackoff({ ...backoff, random });
  const refusalProbe = createRefusalProbe(options.refusalProbeSize ?? defaults.refusalProbeSize);
  const startedAt = now();

  // Aborted on a precondition failure: ends every post in flight at once.
  const stopAll = new AbortController();
  let refusal: PreconditionFailedError | undefined;

  let dispatched = 0;
  let settled = 0;
  let delivered = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let stoppedEarly = false;
  const latencies = new LatencyHistogram(options.timeoutMs * (throttleRetries + 1) + backoff.maxMs);

  // The source is shared by all workers; one pull at a time, the others wait for its page.
  const iterator = options.targets[Symbol.asyncIterator]();
  let page: readonly Target[] = [];
  let pageIndex = 0;
  let exhausted = false;
  let pulling: Promise<void> | undefined;
  const pullPage = async () => {
    const next = await iterator.next();
    if (next.done) exhausted = true;
    else {
      page = next.value;
      pageIndex = 0;
    }
  };
  const nextTarget = async (): Promise<{ target: Target } | undefined> => {
    while (!stopAll.signal.aborted) {
      if (pageIndex < page.length) return { target: page[pageIndex++] as Target };
      if (exhausted) return undefined;
      pulling ??= pullPage().finally(() => {
        pulling = undefined;
      });
      await pulling;
    }
    return undefined;
  };

  // Rate cap: each dispatch takes the next free slot of 1/rate seconds.
  let nextSlotAt = startedAt;
  const waitForRateSlot = async () => {
    if (options.maxPostsPerSecond === undefined) return;
    const interval = 1000 / options.maxPostsPerSecond;
    const current = now();
    const slot = Math.max(current, nextSlotAt);
    nextSlotAt = slot + interval;
    if (slot > current) await sleep(slot - current);
  };

  const attemptOnce = async (target: Target): Promise<PostFailure | undefined> => {
    const controller = new AbortController();
    const forwardStop = () => controller.abort(stopAll.signal.reason);
    stopAll.signal.addEventListener('abort', forwardStop, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced against the post, so a post that ignores its signal still ends on time.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new PostTimeoutError(options.timeoutMs);
        controller.abort(error);
        reject(error);
      }, options.timeoutMs);
    });
    try {
      await Promise.race([options.post(target, controller.signal), timeout]);
      return undefined;
    } catch (error) {
      return classifyPostError(error);
    } finally {
      clearTimeout(timer);
      stopAll.signal.removeEventListener('abort', forwardStop);
    }
  };

  const postWithRetries = async (target: Target): Promise<PostResult<Target>> => {
    const dispatchedAt = now();
    let failure: PostFailure | undefined;
    let attempts = 0;
    for (let attempt = 0; attempt <= throttleRetries; attempt++) {
      attempts++;
      failure = await attemptOnce(target);
      if (failure?.reason !== 'throttled' || attempt === throttleRetries) break;
      if (stopAll.signal.aborted) break;
      await sleep(throttleBackoff.delayFor(attempt));
      // The refusal probe may have stopped the run during the backoff: no retry after that.
      if (stopAll.signal.aborted) break;
    }
    return { target, failure, attempts, latencyMs: now() - dispatchedAt };
  };

  const worker = async () => {
    for (;;) {
      if (options.shouldStopDispatching?.()) {
        stoppedEarly = !exhausted || pageIndex < page.length;
        return;
      }
      const next = await nextTarget();
      if (!next) return;
      await waitForRateSlot();
      if (stopAll.signal.aborted) return;
      dispatched++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const result = await postWithRetries(next.target);
      inFlight--;
      // Posts cut short by a precondition failure were never answered: not a result.
      if (stopAll.signal.aborted && refusal && result.failure?.reason !== 'forbidden') return;
      if (!refusal) {
        refusal = refusalProbe.note(result.failure);
        if (refusal) stopAll.abort(refusal);
      }
      settled++;
      if (!result.failure) delivered++;
      latencies.add(result.latencyMs);
      await options.onResult(result);
    }
  };

  const progressTimer = options.onProgress
    ? setInterval(() => {
        options.onProgress?.({ settled, delivered, inFlight, elapsedMs: now() - startedAt });
      }, options.progressIntervalMs ?? defaults.progressIntervalMs)
    : undefined;
  progressTimer?.unref?.();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    if (!exhausted) await iterator.return?.();
  }
  const precondition = refusal ?? refusalProbe.verdict();
  if (precondition) throw precondition;
  return {
    dispatched,
    settled,
    delivered,
    stoppedEarly,
    maxInFlight,
    latency: latencies.summary(),
  };
}
