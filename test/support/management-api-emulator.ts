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
      const body = JSON.stringify(stats());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else if (route === 'POST reset') {
      reset();
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
    stats,
    reset,
    stop() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return server.stop();
    },
  };
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
