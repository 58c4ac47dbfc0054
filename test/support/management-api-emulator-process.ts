import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Behaviour, type BehaviourMix, mixOrder } from './management-api-behaviours.js';
import {
  controlPrefix,
  type EmulatorFaults,
  type EmulatorStats,
} from './management-api-emulator.js';

// The Management API emulator in a child process of its own (management-api-emulator-cli.ts),
// so that a benchmark measuring the CPU of its contenders does not pay for the emulator's; the
// parent reads the counts through the emulator's control routes.

export interface EmulatorProcessOptions {
  port?: number;
  latencyMs?: number;
  jitterMs?: number;
  mix?: BehaviourMix;
  seed?: number;
  /** How long a 'late' id waits before its 200 (the emulator's default: 1,100 ms). */
  lateMs?: number;
  /** A 429 storm of this many ms from the first post. */
  stormMs?: number;
  /** How long to wait for the child to listen; default 20 s. */
  startTimeoutMs?: number;
}

export interface EmulatorProcess {
  readonly endpoint: string;
  readonly pid: number;
  stats(): Promise<EmulatorStats>;
  delivered(): Promise<Map<string, number>>;
  faults(): Promise<EmulatorFaults>;
  /** Opens a 429 storm of `durationMs` now. */
  startStorm(durationMs: number): Promise<void>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const mixFlags: Record<Exclude<Behaviour, 'ok'>, string> = {
  gone: '--gone',
  goneEmpty: '--gone-empty',
  throttleOnce: '--throttle-once',
  throttle: '--throttle',
  error: '--error',
  hang: '--hang',
  forbidden: '--forbidden',
  tooLarge: '--too-large',
  reset: '--reset',
  late: '--late',
};

export const emulatorCliPath = fileURLToPath(
  new URL('./management-api-emulator-cli.ts', import.meta.url),
);

/** Runs the emulator CLI in its own Node process (with tsx), so its CPU is not the caller's. */
export async function startManagementApiEmulatorProcess(
  options: EmulatorProcessOptions = {},
): Promise<EmulatorProcess> {
  const args = ['--port', String(options.port ?? 0), '--exit-with-stdin'];
  if (options.latencyMs !== undefined) args.push('--latency', String(options.latencyMs));
  if (options.jitterMs !== undefined) args.push('--jitter', String(options.jitterMs));
  if (options.seed !== undefined) args.push('--seed', String(options.seed));
  if (options.lateMs !== undefined) args.push('--late-ms', String(options.lateMs));
  if (options.stormMs !== undefined) args.push('--storm-ms', String(options.stormMs));
  for (const behaviour of mixOrder) {
    const fraction = options.mix?.[behaviour];
    if (fraction !== undefined) args.push(mixFlags[behaviour], String(fraction));
  }
  // Resolved here rather than by name, so the child does not depend on its working directory.
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsxLoader, emulatorCliPath, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) {
    await once(child, 'error').catch(() => undefined);
    throw new Error('could not spawn the management API emulator process');
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopChild(child, pid);
    return stopping;
  };

  try {
    const endpoint = await readEndpoint(child, options.startTimeoutMs ?? 20_000);
    const control = (path: string) => `${endpoint}${controlPrefix}${path}`;
    return {
      endpoint,
      pid,
      async stats() {
        const response = await fetch(control('stats'));
        if (!response.ok) throw new Error(`emulator stats answered ${response.status}`);
        return (await response.json()) as EmulatorStats;
      },
      async delivered() {
        const response = await fetch(control('delivered'));
        if (!response.ok || !response.body) {
          throw new Error(`emulator delivered answered ${response.status}`);
        }
        return parseDeliveredLines(response.body);
      },
      async faults() {
        const response = await fetch(control('faults'));
        if (!response.ok) throw new Error(`emulator faults answered ${response.status}`);
        return (await response.json()) as EmulatorFaults;
      },
      async startStorm(durationMs) {
        const response = await fetch(control(`storm?durationMs=${durationMs}`), { method: 'POST' });
        if (!response.ok) throw new Error(`emulator storm answered ${response.status}`);
      },
      async reset() {
        const response = await fetch(control('reset'), { method: 'POST' });
        if (!response.ok) throw new Error(`emulator reset answered ${response.status}`);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function readEndpoint(child: ChildProcess, timeoutMs: number): Promise<string> {
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error('the emulator process has no stdout/stderr pipes');
  let errorOutput = '';
  stderr.setEncoding('utf8');
  stderr.on('data', (chunk: string) => {
    // Only the tail matters for a failure message; keep it bounded.
    errorOutput = (errorOutput + chunk).slice(-8_000);
  });
  stdout.setEncoding('utf8');
  return new Promise<string>((resolve, reject) => {
    let pending = '';
    const finish = (error: Error | undefined, endpoint?: string) => {
      clearTimeout(timer);
      stdout.off('data', onData);
      child.off('exit', onExit);
      // Keep draining stdout so a chatty child never blocks on a full pipe.
      stdout.resume();
      if (error) reject(error);
      else if (endpoint) resolve(endpoint);
    };
    const onData = (chunk: string) => {
      pending += chunk;
      const newline = pending.indexOf('\n');
      if (newline === -1) return;
      const line = pending.slice(0, newline);
      try {
        const parsed: unknown = JSON.parse(line);
        const endpoint = (parsed as { endpoint?: unknown }).endpoint;
        if (typeof endpoint !== 'string') throw new Error('no endpoint field');
        finish(undefined, endpoint);
      } catch (error) {
        finish(new Error(`unexpected first line from the emulator: ${line}`, { cause: error }));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      finish(
        new Error(
          `the emulator process exited (code ${code}, signal ${signal}) before listening:\n${errorOutput}`,
        ),
      );
    };
    const timer = setTimeout(() => {
      finish(
        new Error(`the emulator process did not listen within ${timeoutMs} ms:\n${errorOutput}`),
      );
    }, timeoutMs);
    stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess, pid: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone (ESRCH): the exit event follows.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) signal('SIGKILL');
  }, 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
    child.stdin?.destroy();
  }
}

async function parseDeliveredLines(body: ReadableStream<Uint8Array>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const decoder = new TextDecoder();
  let pending = '';
  const take = (line: string) => {
    if (line === '') return;
    const space = line.lastIndexOf(' ');
    counts.set(line.slice(0, space), Number(line.slice(space + 1)));
  };
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) take(line);
  }
  take(pending + decoder.decode());
  return counts;
}
