// Connecting again after the socket closes, for a client given a socket factory: the n-th
// attempt in a row waits a random time up to a cap that doubles with each attempt (full jitter),
// so that clients refused together (a deployment under way) do not come back together.

import type { ReconnectDetail } from './events.js';
import { assertSocket, type RetryDelays, type SocketFactory, type WebSocketLike } from './input.js';

/** What the client does with what reconnecting brings. */
export interface ReconnectionCallbacks {
  /** The factory made a socket: the client moves to it. */
  onSocket(socket: WebSocketLike): void;
  /** An attempt is planned, `delayMs` from now. */
  onReconnect(detail: ReconnectDetail): void;
  /** The factory threw (or made no socket); the next attempt is planned right after. */
  onError(error: unknown): void;
}

export class Reconnection {
  readonly #connect: SocketFactory;
  readonly #retry: RetryDelays;
  readonly #callbacks: ReconnectionCallbacks;
  /** Attempts in a row that have not opened a socket; 0 once one opens. */
  #attempt = 0;
  #openedSocket = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(connect: SocketFactory, retry: RetryDelays, callbacks: ReconnectionCallbacks) {
    this.#connect = connect;
    this.#retry = retry;
    this.#callbacks = callbacks;
  }

  /** The client listens to a new socket, which has not opened yet. */
  newSocket(): void {
    this.#openedSocket = false;
  }

  /** The socket opened: the count of attempts starts again. */
  opened(): void {
    this.#attempt = 0;
    this.#openedSocket = true;
  }

  /** The socket closed: the next attempt is planned, unless one already is. */
  closed(): void {
    if (!this.#stopped && this.#retryTimer === undefined) this.#reconnectLater();
  }

  /** Drops the planned attempt: the app gave a socket of its own. */
  cancel(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** No attempt from now on: the client was disposed. */
  stop(): void {
    this.#stopped = true;
    this.cancel();
  }

  /** Waits a random time up to the attempt's cap (full jitter), then makes the next socket. */
  #reconnectLater(): void {
    this.#attempt++;
    const cap = Math.min(
      this.#retry.maxDelayMs,
      this.#retry.firstDelayMs * 2 ** Math.min(this.#attempt - 1, 30),
    );
    const delayMs = Math.floor(Math.random() * cap);
    const refused = !this.#openedSocket;
    this.#retryTimer = setTimeout(this.#reconnectNow, delayMs);
    this.#callbacks.onReconnect({ attempt: this.#attempt, delayMs, refused });
  }

  // An arrow function: setTimeout calls it without `this`.
  readonly #reconnectNow = (): void => {
    this.#retryTimer = undefined;
    if (this.#stopped) return;
    let next: WebSocketLike;
    try {
      next = this.#connect();
      assertSocket(next);
    } catch (error) {
      this.#callbacks.onError(error);
      this.#reconnectLater();
      return;
    }
    this.#callbacks.onSocket(next);
  };
}
