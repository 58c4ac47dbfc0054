import type { Clock, Logger, RunRecords } from '../ports.js';
import type { RunProgress } from './progress-record.js';

// A run's progress in its record, for an operator who follows it (`ws-channels resume`): the
// counts so far, written at most once per interval while the run posts. A write never holds a
// post back (nobody awaits it but the run's end), only one is in flight at a time, and a failed
// one is counted and forgotten: the record is a window on the run, not part of its work.

export type { RunPhase, RunProgress } from './progress-record.js';

export const defaultProgressWriteIntervalMs = 2_000;

export interface ProgressWriterOptions {
  runId: string;
  records: RunRecords;
  clock: Clock;
  logger: Logger;
  /** What the run has counted now; taken when a write goes out, not when it was asked for. */
  snapshot: () => Omit<RunProgress, 'updatedAt'>;
  /** At most one write per this many milliseconds (2 s). */
  intervalMs?: number;
}

export interface ProgressWriter {
  /** Something changed: writes the progress if the interval has passed and no write is in flight. */
  changed(): void;
  /** Waits for the write in flight, if any; no write goes out after. Answers what was written. */
  stop(): Promise<{ written: number; failed: number }>;
}

export function createProgressWriter(options: ProgressWriterOptions): ProgressWriter {
  const intervalMs = options.intervalMs ?? defaultProgressWriteIntervalMs;
  if (!Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new TypeError(`Expected the progress interval to be >= 0 ms, got ${intervalMs}`);
  }
  const { records, clock, logger, runId } = options;
  // The run's first record already says where it starts: the first write waits an interval.
  let lastWriteAt = clock.now();
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  let written = 0;
  let failed = 0;

  const write = (): void => {
    const now = clock.now();
    lastWriteAt = now;
    const progress: RunProgress = {
      ...options.snapshot(),
      updatedAt: new Date(now).toISOString(),
    };
    inFlight = records.progress(runId, progress).then(
      () => {
        written++;
      },
      (error: unknown) => {
        failed++;
        // Once: a table that refuses one write likely refuses them all.
        if (failed === 1) {
          logger.warn('Could not write the run progress; the run goes on without it.', {
            runId,
            error,
          });
        }
      },
    );
    void inFlight.finally(() => {
      inFlight = undefined;
    });
  };

  return {
    changed() {
      if (stopped || inFlight || clock.now() - lastWriteAt < intervalMs) return;
      write();
    },
    async stop() {
      stopped = true;
      await inFlight;
      return { written, failed };
    },
  };
}
