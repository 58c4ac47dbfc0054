import type { Counts } from './outcome.js';

// What a running run's record says of where it stands (run/progress.ts writes it).

/** What the run is doing now: posting frames (and writing results), or waiting for the last writes. */
export type RunPhase = 'posting' | 'finishing';

/** The progress a running run's record carries (`progress`), replaced by the final record. */
export interface RunProgress {
  phase: RunPhase;
  /** What the count said (with the invocations before): the progress bar's end. */
  total: number;
  /** Connections read from the registry so far by this invocation. */
  read: number;
  /** Counts per reason so far, the invocations before included. */
  counts: Counts;
  /** How many times the run was handed over before this invocation. */
  handOvers: number;
  /** When this progress was taken (ISO 8601). */
  updatedAt: string;
}
