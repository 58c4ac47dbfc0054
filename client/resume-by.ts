// The suspend frame says by when the server expects to have resumed the connection (`resumeBy`).
// If no resume frame has come by then, the server never will: the client resumes on its own
// rather than hold the app's messages for good.

import type { SuspendFrame } from './control-frames.js';
import { maxTimerDelayMs } from './input.js';

/** Calls `onDue` once the latest `resumeBy` of the suspend frames given to `arm` has passed. */
export class ResumeByTimer {
  readonly #onDue: () => void;
  #resumeByTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the client resumes on its own (its own clock, ms); undefined when not told. */
  #resumeByDeadline: number | undefined;

  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  /** Resumes on its own `resumeBy - at` from now, unless an earlier frame gave a later time. */
  arm(frame: SuspendFrame): void {
    if (frame.resumeBy === null) return;
    const withinMs = Date.parse(frame.resumeBy) - Date.parse(frame.at);
    // A time that does not parse is no promise to act on.
    if (Number.isNaN(withinMs)) return;
    const delay = Math.min(Math.max(withinMs, 0), maxTimerDelayMs);
    const deadline = Date.now() + delay;
    if (this.#resumeByDeadline !== undefined && this.#resumeByDeadline >= deadline) return;
    clearTimeout(this.#resumeByTimer);
    this.#resumeByDeadline = deadline;
    this.#resumeByTimer = setTimeout(this.#due, delay);
  }

  stop(): void {
    clearTimeout(this.#resumeByTimer);
    this.#resumeByTimer = undefined;
    this.#resumeByDeadline = undefined;
  }

  // An arrow function: setTimeout calls it without `this`.
  readonly #due = (): void => {
    this.#resumeByTimer = undefined;
    this.#onDue();
  };
}
