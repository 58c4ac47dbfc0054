import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Loopback emulator of the API Gateway Management API (`POST /@connections/{id}`), answering
// each connection id the way AWS or serverless-offline would, and counting what it delivered.

export type Behaviour =
  | 'ok'
  | 'goneEmpty'
  | 'gone'
  | 'throttleOnce'
  | 'throttle'
  | 'error'
  | 'hang'
  | 'forbidden'
  | 'tooLarge';

export type BehaviourMix = Partial<Record<Exclude<Behaviour, 'ok'>, number>>;

export interface ManagementApiEmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  behaviourOf?: (connectionId: string) => Behaviour;
  /** Delay before answering, in ms. */
  latencyMs?: number | ((connectionId: string) => number);
  /** Keep the body of every delivered post (memory grows with the frames). */
  recordFrames?: boolean;
  onPost?: (connectionId: string, body: string) => void;
}

export interface EmulatorStats {
  totalPosts: number;
  delivered: number;
  maxInFlight: number;
  inFlight: number;
}

export interface ManagementApiEmulator {
  readonly endpoint: string;
  readonly port: number;
  postsTo(connectionId: string): number;
  deliveredTo(connectionId: string): number;
  framesTo(connectionId: string): string[];
  /** Delivered posts per connection id, for ids with at least one. */
  deliveredCounts(): ReadonlyMap<string, number>;
  stats(): EmulatorStats;
  reset(): void;
  stop(): Promise<void>;
}

interface ErrorAnswer {
  status: number;
  errorType: string;
  message: string;
}

// The shapes AWS answers for this restJson1 service: the error type in `x-amzn-ErrorType`,
// the message in a JSON body. The SDK reads the header first, so the body only carries text.
const errorAnswers = {
  gone: { status: 410, errorType: 'GoneException', message: 'Connection gone' },
  throttle: {
    status: 429,
    errorType: 'LimitExceededException',
    message: 'Rate exceeded',
  },
  error: {
    status: 500,
    errorType: 'InternalServerErrorException',
    message: 'Internal server error',
  },
  forbidden: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden' },
  tooLarge: {
    status: 413,
    errorType: 'PayloadTooLargeException',
    message: 'Message too long',
  },
} satisfies Record<string, ErrorAnswer>;

const connectionPath = /^(?:\/[^/]+)*\/@connections\/([^/]+)$/;
const controlPrefix = '/__emulator/';

export function startManagementApiEmulator(
  options: ManagementApiEmulatorOptions = {},
): Promise<ManagementApiEmulator> {
  const behaviourOf = options.behaviourOf ?? (() => 'ok');
  const latencyOption = options.latencyMs ?? 0;
  const latencyOf = typeof latencyOption === 'number' ? () => latencyOption : latencyOption;
  const recordFrames = options.recordFrames ?? false;
  const onPost = options.onPost;

  const posts = new Map<string, number>();
  const delivered = new Map<string, number>();
  const frames = new Map<string, string[]>();
  const throttledOnce = new Set<string>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let totalPosts = 0;
  let totalDelivered = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let requestCounter = 0;

  const answerError = (res: ServerResponse, answer: ErrorAnswer) => {
    const body = JSON.stringify({ message: answer.message });
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-amzn-errortype': answer.errorType,
      'x-amzn-requestid': `emulator-${++requestCounter}`,
    });
    res.end(body);
  };

  const answer = (res: ServerResponse, id: string, behaviour: Behaviour, body: string) => {
    switch (behaviour) {
      case 'ok':
        break;
      case 'throttleOnce':
        if (throttledOnce.has(id)) break;
        throttledOnce.add(id);
        return answerError(res, errorAnswers.throttle);
      case 'goneEmpty':
        res.writeHead(410, { 'content-length': 0 });
        res.end();
        return;
      case 'hang':
        return;
      default:
        return answerError(res, errorAnswers[behaviour]);
    }
    totalDelivered++;
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
    if (recordFrames) {
      const list = frames.get(id);
      if (list) list.push(body);
      else frames.set(id, [body]);
    }
    res.writeHead(200, {
      'content-length': 0,
      'x-amzn-requestid': `emulator-${++requestCounter}`,
    });
    res.end();
  };

  const handlePost = (req: IncomingMessage, res: ServerResponse, id: string) => {
    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    let closed = false;
    res.once('close', () => {
      closed = true;
      inFlight--;
    });
    // A client that gave up (timeout, abort) before the answer was delivered nothing.
    const answerIfOpen = (behaviour: Behaviour, body: string) => {
      if (!closed) answer(res, id, behaviour, body);
    };
    const keepBody = recordFrames || onPost !== undefined;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      if (keepBody) chunks.push(chunk);
    });
    req.once('end', () => {
      const body = keepBody ? Buffer.concat(chunks).toString('utf8') : '';
      totalPosts++;
      posts.set(id, (posts.get(id) ?? 0) + 1);
      onPost?.(id, body);
      const behaviour = behaviourOf(id);
      if (behaviour === 'hang') return;
      const delay = latencyOf(id);
      if (delay <= 0) {
        answerIfOpen(behaviour, body);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        answerIfOpen(behaviour, body);
      }, delay);
      timers.add(timer);
    });
  };

  const streamDelivered = async (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    let batch = '';
    let lines = 0;
    for (const [id, count] of delivered) {
      batch += `${id} ${count}\n`;
      if (++lines % 1000 !== 0) continue;
      const flushed = res.write(batch);
      batch = '';
      if (!flushed && !(await drainedOrClosed(res))) return;
    }
    res.end(batch);
  };

  const handleControl = (req: IncomingMessage, res: ServerResponse, path: string) => {
    const route = `${req.method} ${path.slice(controlPrefix.length)}`;
    req.resume();
    if (route === 'GET stats') {
      const body = JSON.stringify(emulator.stats());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else if (route === 'POST reset') {
      emulator.reset();
      res.writeHead(204);
      res.end();
    } else if (route === 'GET delivered') {
      streamDelivered(res).catch(() => res.destroy());
    } else {
      notFound(res, `no control route ${route}`);
    }
  };

  const notFound = (res: ServerResponse, message: string) => {
    const body = JSON.stringify({ message });
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (path.startsWith(controlPrefix)) return handleControl(req, res, path);
    const match = connectionPath.exec(path);
    const encodedId = match?.[1];
    if (encodedId === undefined) {
      req.resume();
      return notFound(res, `no route for ${req.method} ${path}`);
    }
    if (req.method !== 'POST') {
      req.resume();
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `the emulator only handles POST, not ${req.method}` }));
      return;
    }
    let id: string;
    try {
      id = decodeURIComponent(encodedId);
    } catch {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `malformed connection id ${encodedId}` }));
      return;
    }
    handlePost(req, res, id);
  });
  // Longer than any client's idle keep-alive, so a reused socket is not closed under a request.
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let stopping: Promise<void> | undefined;
  let port = 0;
  const emulator: ManagementApiEmulator = {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    postsTo: (id) => posts.get(id) ?? 0,
    deliveredTo: (id) => delivered.get(id) ?? 0,
    framesTo: (id) => [...(frames.get(id) ?? [])],
    deliveredCounts: () => delivered,
    stats: () => ({ totalPosts, delivered: totalDelivered, maxInFlight, inFlight }),
    reset() {
      posts.clear();
      delivered.clear();
      frames.clear();
      throttledOnce.clear();
      totalPosts = 0;
      totalDelivered = 0;
      maxInFlight = inFlight;
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopping;
    },
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      resolve(emulator);
    });
  });
}

function drainedOrClosed(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = () => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** Latency uniform in [mean - jitter, mean + jitter], never below 0. */
export function jitteredLatency(
  meanMs: number,
  jitterMs: number,
  random: () => number = Math.random,
): (connectionId: string) => number {
  return () => Math.max(0, meanMs + (random() * 2 - 1) * jitterMs);
}

/** mulberry32: a small deterministic generator, for reproducible jitter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Stable hash of a connection id to [0, 1): FNV-1a 32-bit over the UTF-16 code units, seeded,
 * then murmur3's finaliser, because FNV-1a alone spreads ids differing only in their last
 * character (conn-1, conn-2, ...) poorly over the high bits.
 */
export function hashToUnit(id: string, seed = 0): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}

// Fixed order, so the same mix and seed give the same behaviour per id whatever the key order.
const mixOrder = [
  'gone',
  'goneEmpty',
  'throttleOnce',
  'throttle',
  'error',
  'hang',
  'forbidden',
  'tooLarge',
] as const satisfies readonly Exclude<Behaviour, 'ok'>[];

/**
 * Deterministic behaviour per id: each fraction of the ids (by hash) gets that behaviour, the
 * rest 'ok'. A benchmark can call the returned function itself to know which ids will be gone.
 */
export function behaviourFromMix(mix: BehaviourMix, seed = 0): (connectionId: string) => Behaviour {
  const bounds: Array<{ upTo: number; behaviour: Behaviour }> = [];
  let cumulative = 0;
  for (const behaviour of mixOrder) {
    const fraction = mix[behaviour] ?? 0;
    if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw new RangeError(`mix.${behaviour} must be a fraction in [0, 1], got ${fraction}`);
    }
    if (fraction === 0) continue;
    cumulative += fraction;
    bounds.push({ upTo: cumulative, behaviour });
  }
  if (cumulative > 1 + 1e-9) {
    throw new RangeError(`the fractions of the mix add up to ${cumulative}, more than 1`);
  }
  return (id) => {
    if (bounds.length === 0) return 'ok';
    const u = hashToUnit(id, seed);
    for (const bound of bounds) {
      if (u < bound.upTo) return bound.behaviour;
    }
    return 'ok';
  };
}

// --- The emulator in a child process -------------------------------------------------------

export interface EmulatorProcessOptions {
  port?: number;
  latencyMs?: number;
  jitterMs?: number;
  mix?: BehaviourMix;
  seed?: number;
  /** How long to wait for the child to listen; default 20 s. */
  startTimeoutMs?: number;
}

export interface EmulatorProcess {
  readonly endpoint: string;
  readonly pid: number;
  stats(): Promise<EmulatorStats>;
  delivered(): Promise<Map<string, number>>;
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
