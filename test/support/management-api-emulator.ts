import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer } from './loopback-server.js';
import { type Behaviour, type ErrorAnswer, errorAnswers } from './management-api-behaviours.js';

// Loopback emulator of the API Gateway Management API (`POST /@connections/{id}`), answering
// each connection id the way AWS or serverless-offline would (see management-api-behaviours.ts),
// and counting what it delivered. Control routes under /__emulator/ let a parent process read
// the counts of an emulator it runs in a child (management-api-emulator-process.ts).

export interface ManagementApiEmulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  behaviourOf?: (connectionId: string) => Behaviour;
  /** Delay before answering, in ms. */
  latencyMs?: number | ((connectionId: string) => number);
  /** Keep the body of every delivered post (memory grows with the frames). */
  recordFrames?: boolean;
  onPost?: (connectionId: string, body: string) => void;
  /** How long a 'late' id waits before its 200; default 1,100 ms, just over the 1,000 ms timeout. */
  lateMs?: number;
  /**
   * A 429 storm: every post in the window is answered LimitExceededException, whatever its id's
   * behaviour. The window opens at the first post (the default) or at an instant (epoch ms).
   */
  storm?: StormWindow;
}

export interface StormWindow {
  durationMs: number;
  startsAt?: 'firstPost' | number;
}

/** Fault answers given, per kind: each id's behaviour other than ok, and the storm's 429s. */
export type EmulatorFaults = Partial<Record<Exclude<Behaviour, 'ok'> | 'storm', number>>;

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
  /**
   * Ids that were delivered more than one frame of this `type` (the JSON field; needs
   * recordFrames), with how many each got: the double-sent.
   */
  doubleSent(type: string): Map<string, number>;
  /** Fault answers given since the start or the last reset. */
  faults(): EmulatorFaults;
  /** Opens a 429 storm now (or at `startsAt`, epoch ms) for `durationMs`. */
  startStorm(durationMs: number, startsAt?: number): void;
  stats(): EmulatorStats;
  reset(): void;
  stop(): Promise<void>;
}

const connectionPath = /^(?:\/[^/]+)*\/@connections\/([^/]+)$/;
export const controlPrefix = '/__emulator/';

export async function startManagementApiEmulator(
  options: ManagementApiEmulatorOptions = {},
): Promise<ManagementApiEmulator> {
  const behaviourOf = options.behaviourOf ?? (() => 'ok');
  const latencyOption = options.latencyMs ?? 0;
  const latencyOf = typeof latencyOption === 'number' ? () => latencyOption : latencyOption;
  const recordFrames = options.recordFrames ?? false;
  const onPost = options.onPost;
  const lateMs = options.lateMs ?? 1_100;
  // The storm's window in epoch ms; a window waiting for the first post has no start yet.
  let storm: { from: number | undefined; until: number; durationMs: number } | undefined;
  const setStorm = (window: StormWindow | undefined) => {
    if (window === undefined) {
      storm = undefined;
      return;
    }
    if (!(window.durationMs >= 0)) {
      throw new RangeError(`storm.durationMs must be >= 0, got ${window.durationMs}`);
    }
    const from = typeof window.startsAt === 'number' ? window.startsAt : undefined;
    storm = {
      from,
      until: from === undefined ? 0 : from + window.durationMs,
      durationMs: window.durationMs,
    };
  };
  setStorm(options.storm);
  const inStorm = (now: number) => {
    if (storm === undefined) return false;
    if (storm.from === undefined) {
      storm.from = now;
      storm.until = now + storm.durationMs;
    }
    return now >= storm.from && now < storm.until;
  };
  let faults: EmulatorFaults = {};
  const countFault = (kind: keyof EmulatorFaults) => {
    faults[kind] = (faults[kind] ?? 0) + 1;
  };

  const posts = new Map<string, number>();
  const delivered = new Map<string, number>();
  const frames = new Map<string, string[]>();
  const throttledOnce = new Set<string>();
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

  const recordDelivery = (id: string, body: string) => {
    totalDelivered++;
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
    if (recordFrames) {
      const list = frames.get(id);
      if (list) list.push(body);
      else frames.set(id, [body]);
    }
  };

  const answerOk = (res: ServerResponse) => {
    res.writeHead(200, {
      'content-length': 0,
      'x-amzn-requestid': `emulator-${++requestCounter}`,
    });
    res.end();
  };

  const answer = (res: ServerResponse, id: string, behaviour: Behaviour, body: string) => {
    // throttleOnce counts only its 429; late counted when its frame was delivered.
    if (behaviour !== 'ok' && behaviour !== 'throttleOnce' && behaviour !== 'late') {
      countFault(behaviour);
    }
    switch (behaviour) {
      case 'ok':
        break;
      case 'throttleOnce':
        if (throttledOnce.has(id)) break;
        throttledOnce.add(id);
        countFault('throttleOnce');
        return answerError(res, errorAnswers.throttle);
      case 'goneEmpty':
        res.writeHead(410, { 'content-length': 0 });
        res.end();
        return;
      case 'hang':
        return;
      case 'reset':
        res.socket?.destroy();
        return;
      case 'late':
        // Delivered when the post arrived (handlePost); only the answer is late.
        return answerOk(res);
      default:
        return answerError(res, errorAnswers[behaviour]);
    }
    recordDelivery(id, body);
    answerOk(res);
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
      if (inStorm(Date.now())) {
        countFault('storm');
        if (!closed) answerError(res, errorAnswers.throttle);
        // The storm's 429 is not the id's own: a throttleOnce id still owes its one 429.
        return;
      }
      const behaviour = behaviourOf(id);
      if (behaviour === 'hang') {
        countFault('hang');
        return;
      }
      let delay = latencyOf(id);
      if (behaviour === 'late') {
        // API Gateway writes the frame to the client, then answers: the client got it.
        recordDelivery(id, body);
        countFault('late');
        delay = lateMs;
      }
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
      const body = JSON.stringify(stats());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else if (route === 'POST reset') {
      reset();
      res.writeHead(204);
      res.end();
    } else if (route === 'GET faults') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(faults));
    } else if (route === 'POST storm') {
      const query = new URL(req.url ?? '/', 'http://emulator').searchParams;
      const durationMs = Number(query.get('durationMs'));
      if (!Number.isFinite(durationMs) || durationMs < 0) {
        return answerMessage(req, res, 400, 'POST storm needs ?durationMs= a number >= 0');
      }
      setStorm({ durationMs, startsAt: Date.now() });
      res.writeHead(204);
      res.end();
    } else if (route === 'GET delivered') {
      streamDelivered(res).catch(() => res.destroy());
    } else {
      answerMessage(req, res, 404, `no control route ${route}`);
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (path.startsWith(controlPrefix)) return handleControl(req, res, path);
    const match = connectionPath.exec(path);
    const encodedId = match?.[1];
    if (encodedId === undefined) {
      return answerMessage(req, res, 404, `no route for ${req.method} ${path}`);
    }
    if (req.method !== 'POST') {
      return answerMessage(req, res, 405, `the emulator only handles POST, not ${req.method}`, {
        allow: 'POST',
      });
    }
    let id: string;
    try {
      id = decodeURIComponent(encodedId);
    } catch {
      return answerMessage(req, res, 400, `malformed connection id ${encodedId}`);
    }
    handlePost(req, res, id);
  };

  const stats = (): EmulatorStats => ({
    totalPosts,
    delivered: totalDelivered,
    maxInFlight,
    inFlight,
  });
  const reset = () => {
    posts.clear();
    delivered.clear();
    frames.clear();
    throttledOnce.clear();
    faults = {};
    totalPosts = 0;
    totalDelivered = 0;
    maxInFlight = inFlight;
  };

  const server = await startLoopbackServer(handleRequest, {
    port: options.port,
    // Longer than any client's idle keep-alive, so a reused socket is not closed under a request.
    keepAliveTimeoutMs: 60_000,
  });
  return {
    endpoint: server.url,
    port: server.port,
    postsTo: (id) => posts.get(id) ?? 0,
    deliveredTo: (id) => delivered.get(id) ?? 0,
    framesTo: (id) => [...(frames.get(id) ?? [])],
    deliveredCounts: () => delivered,
    doubleSent(type) {
      const result = new Map<string, number>();
      for (const [id, list] of frames) {
        const count = list.filter((body) => frameTypeOf(body) === type).length;
        if (count > 1) result.set(id, count);
      }
      return result;
    },
    faults: () => ({ ...faults }),
    startStorm: (durationMs, startsAt = Date.now()) => setStorm({ durationMs, startsAt }),
    stats,
    reset,
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return server.stop();
    },
  };
}

/** The `type` field of a JSON frame, or undefined for anything else. */
export function frameTypeOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const type = (parsed as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON `{message}` answer to a request the emulator does not serve; its body is discarded. */
function answerMessage(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  req.resume();
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify({ message }));
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
