import { createBackoff, sleep } from '../backoff.js';
import type { PreconditionFailedError } from '../errors.js';
import type { BulkPostOptions, BulkPostSummary, PostResult } from './bulk-post-options.js';
import type { PostFailure } from './classify.js';
import { createInFlightLimit } from './in-flight-limit.js';
import { LatencyHistogram } from './latency-histogram.js';
import { createRefusalProbe } from './refusal-probe.js';
import { createTargetQueue } from './target-queue.js';
import { postWithTimeout } from './timed-post.js';

// One mechanism for posting a control frame to many connections, used by suspend and resume:
// a fixed pool of workers pulls targets from a paged source (so the set is streamed, never held
// whole), each post bounded by a timeout enforced with an abort signal, throttled posts retried
// with jittered backoff that reaches seconds, an in-flight limit that halves in a storm of 429s,
// an optional rate cap, and a stop check before every dispatch (the Lambda's deadline). Results
// go to a sink that may push back by returning a promise.
//
// One shared stop: whatever stops the run (the deadline, the handler's signal, a failed page
// read, a failed result write), no new post is dispatched, and every post already dispatched
// settles and reaches the sink before postToAll returns or throws. Nothing is left in flight
// when the handler returns (Lambda freezes the sandbox then).

export type {
  BulkPostOptions,
  BulkPostProgress,
  BulkPostSummary,
  PostResult,
} from './bulk-post-options.js';

// A throttled post outlasts a storm of 5 s: with equal jitter the 7 waits add up to 5.15 s at
// least (half of 100 + 200 + ... + 3,200 + 4,000 + 4,000 ms) and 10.3 s at most.
const defaults = { throttleRetries: 7, backoff: { baseMs: 100, maxMs: 4_000 } };
const defaultRefusalProbeSize = 5;
const defaultProgressIntervalMs = 5_000;

/** The longest a worker sleeps between two looks at the stop (rate cap, in-flight limit reached). */
const stopCheckMs = 50;

function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected ${name} to be an integer >= ${min}, got ${value}`);
  }
}

export async function postToAll<Target>(
  options: BulkPostOptions<Target>,
): Promise<BulkPostSummary<Target>> {
  checkInteger('concurrency', options.concurrency, 1);
  checkInteger('timeoutMs', options.timeoutMs, 1);
  const { maxPostsPerSecond } = options;
  if (maxPostsPerSecond !== undefined) checkInteger('maxPostsPerSecond', maxPostsPerSecond, 1);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const throttleRetries = options.throttleRetries ?? defaults.throttleRetries;
  checkInteger('throttleRetries', throttleRetries, 0);
  const backoff = options.backoff ?? defaults.backoff;
  // Equal jitter: the retries of many throttled posts spread, and their sum has a floor.
  const throttleBackoff = createBackoff({ ...backoff, jitter: 'equal', random });
  const refusalProbe = createRefusalProbe(options.refusalProbeSize ?? defaultRefusalProbeSize);
  const inFlightLimit = createInFlightLimit({ max: options.concurrency, now });
  const startedAt = now();

  // A refusal stops dispatching; the posts in flight finish (each within its timeout), so that
  // what became of each is known: a suspend puts back what was surely refused, and leaves marked
  // only what may have reached its client.
  let refusal: PreconditionFailedError | undefined;
  // The first error of the source or the sink: the run stops dispatching and rethrows it.
  let sharedFailure: { error: unknown } | undefined;
  let dispatchStopped = false;

  let dispatched = 0;
  let settled = 0;
  let delivered = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let stoppedEarly = false;
  const latencies = new LatencyHistogram(
    options.timeoutMs * (throttleRetries + 1) + backoff.maxMs * throttleRetries,
  );

  const queue = createTargetQueue(options.targets, () => stopped());

  /** Whether dispatching has stopped, for any reason; checks the caller's stop too. */
  const stopped = (): boolean => {
    if (dispatchStopped) return true;
    if (options.shouldStopDispatching?.()) {
      dispatchStopped = true;
      stoppedEarly = queue.hasMore();
    }
    return dispatchStopped;
  };

  /** Waits until `until` (epoch ms), looking at the stop often; false if it stopped meanwhile. */
  const waitUntil = async (until: number): Promise<boolean> => {
    for (let current = now(); current < until; current = now()) {
      if (stopped()) return false;
      await sleep(Math.min(stopCheckMs, until - current));
    }
    return !stopped();
  };

  // Rate cap: each dispatch takes the next free slot of 1/rate seconds; a worker that would
  // wait past the stop gives its slot up instead of booking time the run no longer has.
  let nextSlotAt = startedAt;
  const waitForRateSlot = async (): Promise<boolean> => {
    if (options.maxPostsPerSecond === undefined) return !stopped();
    const slot = Math.max(now(), nextSlotAt);
    nextSlotAt = slot + 1000 / options.maxPostsPerSecond;
    return waitUntil(slot);
  };

  /** Waits for room under the in-flight limit; worker `index` may post while index < size. */
  const waitForRoom = async (index: number): Promise<boolean> => {
    while (index >= inFlightLimit.size) {
      // Nothing left to take: the workers under the limit finish the rest.
      if (!queue.hasMore()) return false;
      if (!(await waitUntil(now() + stopCheckMs))) return false;
    }
    return !stopped();
  };

  const postWithRetries = async (target: Target): Promise<PostResult<Target>> => {
    const dispatchedAt = now();
    let failure: PostFailure | undefined;
    let attempts = 0;
    for (let attempt = 0; attempt <= throttleRetries; attempt++) {
      attempts++;
      failure = await postWithTimeout((signal) => options.post(target, signal), options.timeoutMs);
      if (failure?.reason === 'throttled') inFlightLimit.throttled();
      else if (!failure) inFlightLimit.delivered();
      else inFlightLimit.answered();
      if (failure?.reason !== 'throttled' || attempt === throttleRetries) break;
      // Once the run stops (deadline, refusal), a throttled post is counted, not retried.
      if (!(await waitUntil(now() + throttleBackoff.delayFor(attempt)))) break;
    }
    return { target, failure, attempts, latencyMs: now() - dispatchedAt };
  };

  const worker = async (index: number) => {
    try {
      for (;;) {
        if (!(await waitForRoom(index))) return;
        if (!(await waitForRateSlot())) return;
        const next = await queue.next();
        if (!next) return;
        dispatched++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        const result = await postWithRetries(next.target);
        inFlight--;
        if (!refusal) {
          refusal = refusalProbe.note(result.failure);
          if (refusal) dispatchStopped = true;
        }
        // Every dispatched post is a result, also one that finished after a refusal stopped the
        // run: it is written down like any other.
        settled++;
        if (!result.failure) delivered++;
        latencies.add(result.latencyMs);
        await options.onResult(result);
      }
    } catch (error) {
      sharedFailure ??= { error };
      dispatchStopped = true;
    }
  };

  const progressTimer = options.onProgress
    ? setInterval(() => {
        options.onProgress?.({ settled, delivered, inFlight, elapsedMs: now() - startedAt });
      }, options.progressIntervalMs ?? defaultProgressIntervalMs)
    : undefined;
  progressTimer?.unref?.();
  try {
    // Workers never reject: each catches into the shared stop, so all of them end here.
    await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    const untaken = queue.untaken();
    if (untaken.length > 0) await options.onUntaken?.(untaken);
    await queue.close();
  }
  if (sharedFailure) throw sharedFailure.error;
  const precondition = refusal ?? refusalProbe.verdict();
  if (precondition) throw precondition;
  return {
    dispatched,
    settled,
    delivered,
    stoppedEarly,
    maxInFlight,
    smallestInFlightLimit: inFlightLimit.smallest,
    untaken: queue.untaken(),
    latency: latencies.summary(),
  };
}
