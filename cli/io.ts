import type { OutputStyle } from './render.js';

// Where the operator commands write, and their time: the process's streams in the bin and the
// plugin, buffers and a fake clock in the tests.

export interface OperatorIO {
  style: OutputStyle;
  /** A line on stdout. */
  out(line: string): void;
  /** A line on stderr. */
  err(line: string): void;
  /** Redraws the one live line (a terminal only). */
  live(line: string): void;
  /** Ends the live line, if one is shown, so that what follows starts on a line of its own. */
  endLive(): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  env: Record<string, string | undefined>;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** The process's own streams: live lines and colours only when stdout is a terminal. */
export function processIO(
  stdout: Stream = process.stdout,
  stderr: Stream = process.stderr,
  env: Record<string, string | undefined> = process.env,
): OperatorIO {
  const tty = stdout.isTTY === true;
  let liveShown = false;
  const endLive = () => {
    if (liveShown) stdout.write('\n');
    liveShown = false;
  };
  return {
    // NO_COLOR (no-color.org) turns colours off, never the bar; a dumb terminal gets neither.
    style: {
      tty: tty && env.TERM !== 'dumb',
      colour: tty && env.TERM !== 'dumb' && !env.NO_COLOR,
      columns: stdout.columns ?? 80,
    },
    out(line) {
      endLive();
      stdout.write(`${line}\n`);
    },
    err(line) {
      endLive();
      stderr.write(`${line}\n`);
    },
    live(line) {
      // Back to the line's start and clear it: the bar is redrawn in place.
      stdout.write(`\r\u001b[2K${line}`);
      liveShown = true;
    },
    endLive,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    env,
  };
}
