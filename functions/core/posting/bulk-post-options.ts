import type { PostFailure } from './classify.js';

// What postToAll (bulk-post.ts) takes and gives back.

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
  /** The wait before each retry of a throttled post: full jitter up to min(maxMs, baseMs * 2^n). */
  backoff?: { baseMs: number; maxMs: number };
  /** Checked before every dispatch: true stops dispatching, posts in flight still finish. */
  shouldStopDispatching?: () => boolean;
  /**
   * When this many first answers are all refusals (403 or 413), every other post will be
   * refused too: stop at once with a PreconditionFailedError instead of sending them.
   */
  refusalProbeSize?: number;
  onProgress?: (progress: BulkPostProgress) => void;
  /**
   * Hears, however the posting ends (a failure included), the targets the source handed out that
   * nobody posted to (the rest of the page at hand), before the source is closed. It must not
   * throw.
   */
  onUntaken?: (untaken: readonly Target[]) => Promise<void>;
  progressIntervalMs?: number;
  /** Injectable for tests: the clock and the backoff's random numbers. */
  now?: () => number;
  random?: () => number;
}

export interface BulkPostSummary<Target = unknown> {
  dispatched: number;
  settled: number;
  delivered: number;
  /** Stopped by shouldStopDispatching before the source was exhausted. */
  stoppedEarly: boolean;
  maxInFlight: number;
  /** The smallest the in-flight limit became under throttling (the concurrency if never). */
  smallestInFlightLimit: number;
  /** Targets handed out by the source but never posted (the rest of the page at a stop). */
  untaken: readonly Target[];
  latency: { p50: number; p99: number; max: number };
}
