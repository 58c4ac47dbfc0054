// The suspend frame says by when the server expects to have resumed the connection (`resumeBy`).
// If no resume frame has come by then, the server never will: the client resumes on its own
// rather than hold the app's messages for good. The wait is always bounded: at most API Gateway's
// 2 hours (it closes every connection by then), and 15 minutes when the frame gives no time.

import type { SuspendFrame } from './control-frames.js';

/** API Gateway closes every WebSocket connection after 2 hours: no resume can come later. */
export const maxResumeWithinMs = 2 * 60 * 60 * 1000;
/** The wait for a frame with no (or no readable) `resumeBy`: the server's default, 15 minutes. */
export const defaultResumeWithinMs = 15 * 60 * 1000;

/** Calls `onDue` once the latest `resumeBy` of the suspend frames given to `arm` has passed. */
export class ResumeByTimer {
  readonly #onDue: () => void;
  #resumeByTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the client resumes on its own (its own clock, ms); undefined when not told. */
  #resumeByDeadline: number | undefined;

  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  /**
   * Resumes on its own `resumeBy - at` from now (at most 2 hours; 15 minutes without a time),
   * unless an earlier frame gave a later time.
   */
  arm(frame: SuspendFrame): void {
    const given =
      frame.resumeBy === null ? Number.NaN : Date.parse(frame.resumeBy) - Date.parse(frame.at);
    const withinMs = Number.isNaN(given) ? defaultResumeWithinMs : given;
    const delay = Math.min(Math.max(withinMs, 0), maxResumeWithinMs);
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
