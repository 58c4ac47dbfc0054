// The run's outcome, as the seed's ResumeChannels decides it, from the counts per reason.

export type Outcome = 'ok' | 'none' | 'not_supported' | 'errors' | 'not_detected';

export interface Counts {
  /** Connections the run set out to handle. */
  total: number;
  delivered: number;
  gone: number;
  timedOut: number;
  throttled: number;
  failed: number;
  /** Not attempted: the run stopped before reaching them (deadline or precondition). */
  remaining: number;
}

export const emptyCounts = (): Counts => ({
  total: 0,
  delivered: 0,
  gone: 0,
  timedOut: 0,
  throttled: 0,
  failed: 0,
  remaining: 0,
});

export function failedCount(counts: Counts): number {
  return counts.gone + counts.timedOut + counts.throttled + counts.failed;
}

/**
 * - `none`: nothing to do;
 * - `ok`: every attempted post was delivered;
 * - `not_supported`: every post failed, and each failure was gone or a timeout (the seed's
 *   noproc / timeout: the clients are not there to be resumed);
 * - `errors`: anything else.
 */
export function outcomeOf(counts: Counts): Outcome {
  const attempted = counts.total - counts.remaining;
  if (counts.total === 0) return 'none';
  const failed = failedCount(counts);
  if (failed === 0) return 'ok';
  if (failed === attempted && counts.gone + counts.timedOut === failed) return 'not_supported';
  return 'errors';
}

/**
 * The share of attempted posts that failed for a reason that is an error: gone connections are
 * clients that left, not errors, so they do not count.
 */
export function errorRatio(counts: Counts): number {
  const attempted = counts.total - counts.remaining;
  if (attempted === 0) return 0;
  return (counts.timedOut + counts.throttled + counts.failed) / attempted;
}
