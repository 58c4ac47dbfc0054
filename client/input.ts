// What the app gives the client: a socket (or a factory of sockets), options, and messages to
// send. Their types, and the checks made of them at run time, since the client may be called
// from plain JavaScript that no type checker has seen.

/** What `WebSocket.send` accepts in browsers; `ws` and Node's WebSocket accept it too. */
export type OutgoingMessage = string | ArrayBufferLike | Blob | ArrayBufferView;

/**
 * The part of the standard WebSocket interface the client uses. Listeners take `unknown` so that
 * any EventTarget-based socket fits, whatever its event types (ws has its own MessageEvent).
 */
export interface WebSocketLike {
  readonly readyState: number;
  /** The URL the socket was opened with: the client reads its frame key there. */
  readonly url?: string;
  send(data: OutgoingMessage): void;
  addEventListener(
    type: 'message' | 'open' | 'close' | 'error',
    listener: (event: unknown) => void,
  ): void;
  removeEventListener(
    type: 'message' | 'open' | 'close' | 'error',
    listener: (event: unknown) => void,
  ): void;
}

/** Makes a new socket to the same server: what the client calls to connect again. */
export type SocketFactory = () => WebSocketLike;

export interface ChannelsClientOptions {
  /**
   * Most messages held at once (default 10,000; `Infinity` for no bound). Past it `send` throws
   * a `ChannelsQueueFullError`: refusing the newest message tells the app, dropping the oldest
   * would lose a message nobody hears about.
   */
  maxQueued?: number;
  /**
   * While suspended, how often the client sends `pingMessage` so that API Gateway does not close
   * the connection as idle (it does after 10 minutes without a message). Default 3 minutes, so a
   * late or lost ping still leaves room; the first ping comes at a random point within the first
   * interval, so that clients suspended together do not all ping at once. `Infinity`: never.
   */
  pingIntervalMs?: number;
  /**
   * With a socket factory: how long to wait before connecting again after a close. The n-th
   * attempt in a row waits a random time up to `min(maxDelayMs, firstDelayMs * 2^(n-1))` (full
   * jitter, so that clients refused together do not come back together); a socket that opens
   * starts the count again. Defaults: 500 ms, 30 s.
   */
  retry?: { firstDelayMs?: number; maxDelayMs?: number };
}

export type RetryDelays = Required<NonNullable<ChannelsClientOptions['retry']>>;

/** The options as the client keeps them: checked, with the defaults filled in. */
export interface CheckedOptions {
  maxQueued: number;
  pingIntervalMs: number;
  retry: RetryDelays;
}

// WebSocket.OPEN, written out: a socket of the `ws` package may run where no global WebSocket is.
export const OPEN = 1;

// setTimeout takes at most this many milliseconds; a longer delay would fire at once.
export const maxTimerDelayMs = 2_147_483_647;

/** The options with their defaults; a TypeError names the first one that is wrong. */
export function checkOptions(options: ChannelsClientOptions): CheckedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('Expected `options` to be an object.');
  }
  const firstDelayMs = options.retry?.firstDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
  if (!isDelay(firstDelayMs) || !isDelay(maxDelayMs) || firstDelayMs > maxDelayMs) {
    throw new TypeError(
      'Expected `retry.firstDelayMs` and `retry.maxDelayMs` to be whole numbers of milliseconds (at most 2^31 - 1), the first no greater than the second.',
    );
  }
  const maxQueued = options.maxQueued ?? 10_000;
  if (!(maxQueued === Number.POSITIVE_INFINITY || (Number.isInteger(maxQueued) && maxQueued > 0))) {
    throw new TypeError('Expected `maxQueued` to be a positive integer or Infinity.');
  }
  const pingIntervalMs = options.pingIntervalMs ?? 180_000;
  if (
    !(
      pingIntervalMs === Number.POSITIVE_INFINITY ||
      (Number.isInteger(pingIntervalMs) && pingIntervalMs > 0 && pingIntervalMs <= maxTimerDelayMs)
    )
  ) {
    throw new TypeError(
      'Expected `pingIntervalMs` to be a positive integer of milliseconds (at most 2^31 - 1) or Infinity.',
    );
  }
  return { maxQueued, pingIntervalMs, retry: { firstDelayMs, maxDelayMs } };
}

function isDelay(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= maxTimerDelayMs;
}

export function assertSocket(socket: unknown): asserts socket is WebSocketLike {
  const candidate = socket as Partial<Record<keyof WebSocketLike, unknown>> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.readyState !== 'number' ||
    typeof candidate.send !== 'function' ||
    typeof candidate.addEventListener !== 'function' ||
    typeof candidate.removeEventListener !== 'function'
  ) {
    throw new TypeError(
      'Expected `socket` to be a WebSocket (readyState, send, addEventListener, removeEventListener).',
    );
  }
}

export function assertMessage(data: unknown): asserts data is OutgoingMessage {
  if (
    typeof data === 'string' ||
    data instanceof ArrayBuffer ||
    ArrayBuffer.isView(data) ||
    (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer) ||
    (typeof Blob !== 'undefined' && data instanceof Blob)
  ) {
    return;
  }
  throw new TypeError(
    'Expected `data` to be a string, ArrayBuffer, ArrayBufferView or Blob, as WebSocket.send takes.',
  );
}
