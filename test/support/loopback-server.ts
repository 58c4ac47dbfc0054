import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// The emulators' HTTP servers start and stop the same way: on 127.0.0.1, on a free port unless
// told one, and a stop that does not wait for the clients' idle keep-alive sockets.

export interface LoopbackServerOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** How long an idle keep-alive socket stays open; Node's default (5 s) when not given. */
  keepAliveTimeoutMs?: number;
}

export interface LoopbackServer {
  /** `http://127.0.0.1:{port}`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops listening and destroys every open socket; calling it again returns the same promise. */
  stop(): Promise<void>;
}

export function startLoopbackServer(
  handler: RequestListener,
  options: LoopbackServerOptions = {},
): Promise<LoopbackServer> {
  const server = createServer(handler);
  if (options.keepAliveTimeoutMs !== undefined)
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return stopping;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, port, server, stop });
    });
  });
}

/**
 * Reads a request's body to its end, keeping at most `maxBytes` of it: undefined when it was
 * longer (the emulators answer that with an error of their own instead of growing without bound).
 */
export function readBoundedBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.once('error', reject);
    request.once('end', () => resolve(size > maxBytes ? undefined : Buffer.concat(chunks)));
  });
}
