// While the server has the connection suspended the client holds the app's messages, so nothing
// else keeps API Gateway from closing the connection as idle: the client pings, on a route that
// ws-channels answers itself.

import { OPEN, type WebSocketLike } from './input.js';

/**
 * The keep-alive message: ws-channels routes it (route key `ws-channels.ping`) to a function of
 * its own that answers nothing; it never reaches the app's handler, which is mid-deployment.
 */
export const pingMessage = '{"action":"ws-channels.ping"}';

/** Sends `pingMessage` every `intervalMs` (`Infinity`: never) from `start()` until `stop()`. */
export class KeepAlive {
  readonly #intervalMs: number;
  /** The socket the client sends on now: pings go to it, whichever it is. */
  readonly #currentSocket: () => WebSocketLike;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(intervalMs: number, currentSocket: () => WebSocketLike) {
    this.#intervalMs = intervalMs;
    this.#currentSocket = currentSocket;
  }

  start(): void {
    if (this.#intervalMs === Number.POSITIVE_INFINITY) return;
    clearTimeout(this.#pingTimer);
    // The suspend frame itself was traffic, so the first ping may come any time in the interval.
    this.#pingTimer = setTimeout(this.#ping, Math.floor(Math.random() * this.#intervalMs));
  }

  stop(): void {
    clearTimeout(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  // An arrow function: setTimeout calls it without `this`.
  readonly #ping = (): void => {
    const socket = this.#currentSocket();
    // A ping is never held: it is only for the connection that is open now.
    if (socket.readyState === OPEN) {
      try {
        socket.send(pingMessage);
      } catch {
        // Nothing for the app to do: the next ping tries again, and a closed socket says so itself.
      }
    }
    this.#pingTimer = setTimeout(this.#ping, this.#intervalMs);
  };
}
