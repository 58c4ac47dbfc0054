// The client the app uses: one socket at a time (or a factory of them), and around it the held
// messages, the keep-alive, the resumeBy timer and reconnecting, each in a module of its own.

import type { ResumeFrame } from './control-frames.js';
import {
  ChannelsEventTarget,
  type ChannelsState,
  dispatchDetail,
  type ResumeReason,
} from './events.js';
import { SocketFrameKey } from './frame-key.js';
import { ChannelsQueueFullError, HeldMessages } from './held-messages.js';
import {
  assertMessage,
  assertSocket,
  type ChannelsClientOptions,
  checkOptions,
  OPEN,
  type OutgoingMessage,
  type SocketFactory,
  type WebSocketLike,
} from './input.js';
import { KeepAlive } from './keep-alive.js';
import { Reconnection } from './reconnect.js';
import { ResumeByTimer } from './resume-by.js';

/**
 * Holds outgoing messages while the server has suspended the connection and sends them, in order
 * and once each, when it resumes. Messages sent while the socket is not open (still connecting, or
 * closed and waiting for `attach`) are held the same way. It takes a suspend or resume frame only
 * when it carries the frame key of the socket's URL (`withChannelsKey`).
 *
 * Given a socket factory instead of a socket, it connects again whenever the socket closes (refused
 * or dropped), with backoff and jitter, until `dispose()`.
 *
 * @example
 * const channel = new ChannelsClient(() => new WebSocket(withChannelsKey(url)));
 * channel.addEventListener('suspend', () => showBanner('Updating…'));
 * channel.addEventListener('resume', (event) => hideBanner(event.detail.flushed));
 * channel.addEventListener('message', (event) => render(event.detail));
 * channel.send(JSON.stringify({ action: 'chat', text: 'hi' }));
 */
export class ChannelsClient extends ChannelsEventTarget {
  readonly maxQueued: number;
  readonly pingIntervalMs: number;
  readonly retry: { firstDelayMs: number; maxDelayMs: number };
  #socket: WebSocketLike;
  /** Set when the client was given a factory: it reconnects by itself. */
  readonly #reconnection: Reconnection | undefined;
  #state: ChannelsState = 'active';
  #disposed = false;
  readonly #queue: HeldMessages;
  // Set by attach() while suspended: the new socket's open is what resumes the client.
  #resumeOnOpen = false;
  // Both run only while suspended on an open socket; every way out of that clears them.
  readonly #keepAlive: KeepAlive;
  readonly #resumeBy: ResumeByTimer;
  readonly #frameKey = new SocketFrameKey((error) => {
    if (!this.#disposed) dispatchDetail(this, 'error', { error, queued: this.queued });
  });

  constructor(socket: WebSocketLike | SocketFactory, options: ChannelsClientOptions = {}) {
    super();
    const { maxQueued, pingIntervalMs, retry } = checkOptions(options);
    this.retry = retry;
    this.maxQueued = maxQueued;
    this.#queue = new HeldMessages(maxQueued);
    this.pingIntervalMs = pingIntervalMs;
    this.#keepAlive = new KeepAlive(pingIntervalMs, () => this.#socket);
    this.#resumeBy = new ResumeByTimer(() => {
      if (this.#state === 'suspended') this.#resume(null, 'resumeBy');
    });
    this.#reconnection =
      typeof socket === 'function'
        ? new Reconnection(socket, retry, {
            onSocket: (next) => this.attach(next),
            onReconnect: (detail) => dispatchDetail(this, 'reconnect', detail),
            onError: (error) => dispatchDetail(this, 'error', { error, queued: this.queued }),
          })
        : undefined;
    const first = typeof socket === 'function' ? socket() : socket;
    assertSocket(first);
    this.#socket = first;
    this.#listen(first);
  }

  /** `suspended` from a suspend frame until a resume frame (or the open of an attached socket). */
  get state(): ChannelsState {
    return this.#state;
  }

  /** How many messages are held. */
  get queued(): number {
    return this.#queue.size;
  }

  /** The socket messages go to: the one given to the constructor or to the last `attach`. */
  get socket(): WebSocketLike {
    return this.#socket;
  }

  /**
   * Sends `data` now when the connection is active, the socket open and nothing is held; otherwise
   * holds it behind the messages already held. Throws a `ChannelsQueueFullError` (after an
   * `overflow` event) when `maxQueued` messages are held.
   */
  send(data: OutgoingMessage): void {
    assertMessage(data);
    this.#assertNotDisposed();
    if (this.#canSend() && this.queued === 0 && !this.#queue.flushing) {
      // What the socket throws here reaches the caller, as with socket.send; nothing is held.
      this.#socket.send(data);
      return;
    }
    if (this.#queue.full) {
      dispatchDetail(this, 'overflow', { data, maxQueued: this.maxQueued });
      throw new ChannelsQueueFullError(this.maxQueued);
    }
    this.#queue.push(data);
    // Held messages left by a socket error go out as soon as the app sends again.
    if (this.#canSend()) this.#flush();
  }

  /**
   * Moves the client to a new socket, after a reconnect. A new connection is never suspended by
   * the server, so held messages are sent when it opens; if the client was suspended, that open
   * resumes it (a `resume` event with `frame: null`). The old socket is left as it is.
   */
  attach(socket: WebSocketLike): void {
    assertSocket(socket);
    this.#assertNotDisposed();
    // The same socket is the same connection: still suspended if it was.
    if (socket === this.#socket) return;
    // A socket from the app replaces the one the client was about to make.
    this.#reconnection?.cancel();
    // The old connection needs no keep-alive; the new one is not suspended by the server.
    this.#stopTimers();
    this.#unlisten(this.#socket);
    this.#socket = socket;
    this.#resumeOnOpen = this.#state === 'suspended';
    this.#listen(socket);
  }

  /**
   * Stops listening to the socket and returns the messages still held (oldest first), so the app
   * decides what becomes of them. The socket is the app's and stays open. Later calls return [].
   */
  dispose(): OutgoingMessage[] {
    if (this.#disposed) return [];
    this.#disposed = true;
    this.#stopTimers();
    this.#reconnection?.stop();
    this.#unlisten(this.#socket);
    return this.#queue.drain();
  }

  // Arrow functions: the same function object must be given to removeEventListener.
  readonly #onOpen = (): void => {
    this.#reconnection?.opened();
    if (this.#resumeOnOpen) {
      this.#resume(null, 'reconnect');
      return;
    }
    this.#flush();
  };

  // A closed connection needs no keep-alive, and `attach` (a new socket's open) resumes it.
  readonly #onClose = (): void => {
    this.#stopTimers();
    this.#reconnection?.closed();
  };

  // The close that follows an error reconnects; the listener only keeps `ws` from throwing an
  // 'error' that nobody listens to.
  readonly #onError = (): void => {};

  readonly #onMessage = (event: unknown): void => {
    const data =
      typeof event === 'object' && event !== null && 'data' in event ? event.data : undefined;
    const frame = this.#frameKey.parse(data);
    if (frame === null) {
      dispatchDetail(this, 'message', data);
    } else if (frame.type === 'suspend') {
      // A second suspend (another run, e.g. another deployment group) only moves resumeBy later.
      this.#resumeBy.arm(frame);
      if (this.#state === 'suspended') return;
      this.#state = 'suspended';
      this.#keepAlive.start();
      dispatchDetail(this, 'suspend', frame);
    } else if (this.#state === 'suspended') {
      this.#resume(frame, 'frame');
    } else {
      // A resume without a suspend (one that came before this client listened): nothing to undo,
      // but held messages, if a socket error left any, may go now.
      this.#flush();
    }
  };

  #resume(frame: ResumeFrame | null, reason: ResumeReason): void {
    this.#stopTimers();
    this.#resumeOnOpen = false;
    this.#state = 'active';
    const flushed = this.#flush();
    dispatchDetail(this, 'resume', { frame, flushed, reason });
  }

  #stopTimers(): void {
    this.#keepAlive.stop();
    this.#resumeBy.stop();
  }

  #listen(socket: WebSocketLike): void {
    this.#reconnection?.newSocket();
    this.#frameKey.use(socket);
    socket.addEventListener('message', this.#onMessage);
    socket.addEventListener('open', this.#onOpen);
    socket.addEventListener('close', this.#onClose);
    if (this.#reconnection) socket.addEventListener('error', this.#onError);
    // A socket that is already open sends no open event.
    if (socket.readyState === OPEN) this.#onOpen();
  }

  #unlisten(socket: WebSocketLike): void {
    socket.removeEventListener('message', this.#onMessage);
    socket.removeEventListener('open', this.#onOpen);
    socket.removeEventListener('close', this.#onClose);
    if (this.#reconnection) socket.removeEventListener('error', this.#onError);
  }

  // Only an open socket: `ws` and browsers silently drop what is sent on a closing or closed one.
  #canSend(): boolean {
    return !this.#disposed && this.#state === 'active' && this.#socket.readyState === OPEN;
  }

  /** Sends held messages, oldest first, while it may; returns how many it sent. */
  #flush(): number {
    return this.#queue.flush(
      () => this.#canSend(),
      (data) => this.#socket.send(data),
      (error) => dispatchDetail(this, 'error', { error, queued: this.queued }),
    );
  }

  #assertNotDisposed(): void {
    if (this.#disposed) throw new Error('The ChannelsClient was disposed.');
  }
}
