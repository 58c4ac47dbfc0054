// The run's outcome, as edeliver's ResumeChannels decides it, from the counts per reason.

export type Outcome = 'ok' | 'none' | 'not_supported' | 'errors' | 'not_detected';

/**
 * Every connection a run read is in exactly one bucket, so `total` is their sum: done
 * (delivered), deleted (gone), left as it was for a counted reason, or not reached.
 */
export interface Counts {
  /** Connections the run set out to handle. */
  total: number;
  /** Got the frame, and the registry says so. */
  delivered: number;
  gone: number;
  timedOut: number;
  throttled: number;
  failed: number;
  /** Its result (or its suspend mark) could not be written after every retry. */
  unrecorded: number;
  /** Changed between the read and the mark (disconnected, or suspended by another run). */
  skipped: number;
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
  unrecorded: 0,
  skipped: 0,
  remaining: 0,
});

export function failedCount(counts: Counts): number {
  return counts.gone + counts.timedOut + counts.throttled + counts.failed + counts.unrecorded;
}

/** The connections the run posted to or tried to mark: not the skipped, not the unreached. */
export function attemptedCount(counts: Counts): number {
  return counts.total - counts.remaining - counts.skipped;
}

/**
 * - `none`: nothing to do;
 * - `ok`: every attempted post was delivered and recorded;
 * - `not_supported`: every post failed, and each failure was gone or a timeout (edeliver's
 *   noproc / timeout: the clients are not there to be resumed);
 * - `errors`: anything else, a result that could not be written included.
 */
export function outcomeOf(counts: Counts): Outcome {
  const attempted = attemptedCount(counts);
  if (counts.total === 0 || attempted === 0) return 'none';
  const failed = failedCount(counts);
  if (failed === 0) return 'ok';
  if (failed === attempted && counts.gone + counts.timedOut === failed) return 'not_supported';
  return 'errors';
}

/**
 * The share of attempted connections that failed for a reason that is an error: gone
 * connections are clients that left, not errors, so they do not count; a result that could
 * not be written does. Throttled posts do not either: anyone who floods the account's API Gateway
 * quota (shared by every API of the account and region) could otherwise fail every deployment
 * that sets FAIL_ON_ERROR_RATIO. A suspend puts its throttled connections back as active.
 */
export function errorRatio(counts: Counts): number {
  const attempted = attemptedCount(counts);
  if (attempted === 0) return 0;
  return (counts.timedOut + counts.failed + counts.unrecorded) / attempted;
}
