// The messages the client holds until it may send them, oldest first, at most `maxQueued`.

import type { OutgoingMessage } from './input.js';

/** Thrown by `send` when `maxQueued` messages are already held. */
export class ChannelsQueueFullError extends Error {
  override name = 'ChannelsQueueFullError';
  readonly maxQueued: number;

  constructor(maxQueued: number) {
    super(`The queue already holds ${maxQueued} messages (maxQueued); the message was not queued.`);
    this.maxQueued = maxQueued;
  }
}

/**
 * The messages held, oldest first, and the sending of them: in order, once each. A queue with a
 * moving head: shift() on a large array copies it each time.
 */
export class HeldMessages {
  readonly maxQueued: number;
  #items: OutgoingMessage[] = [];
  #head = 0;
  // Set while held messages are sent, so a send() made meanwhile (from a listener or from the
  // socket itself) is queued behind them instead of overtaking them or sending one twice.
  #flushing = false;

  constructor(maxQueued: number) {
    this.maxQueued = maxQueued;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** No room for another message: the caller refuses it with a `ChannelsQueueFullError`. */
  get full(): boolean {
    return this.size >= this.maxQueued;
  }

  /** Held messages are being sent: a new message must wait behind them. */
  get flushing(): boolean {
    return this.#flushing;
  }

  push(data: OutgoingMessage): void {
    this.#items.push(data);
  }

  /**
   * Hands held messages to `send`, oldest first, while `canSend()` allows; returns how many went.
   * When `send` throws, the message stays first in line and `onSendError` is told; it stops there.
   */
  flush(
    canSend: () => boolean,
    send: (data: OutgoingMessage) => void,
    onSendError: (error: unknown) => void,
  ): number {
    if (this.#flushing) return 0;
    this.#flushing = true;
    let sent = 0;
    try {
      // Checked before every message: a send may close the socket or bring a suspend frame.
      while (this.size > 0 && canSend()) {
        // Dequeued before the socket sees it, so nothing (not even a send() made from inside
        // socket.send) can send it a second time.
        const items = this.#items;
        const data = items[this.#head] as OutgoingMessage;
        this.#head++;
        try {
          send(data);
        } catch (error) {
          // Not sent, so it goes back first in line (unless drain() took every message meanwhile:
          // the client was disposed from inside `send`). Thrown from a socket listener the error
          // would only crash Node, so it is handed on, not thrown.
          if (this.#items === items) this.#head--;
          onSendError(error);
          break;
        }
        sent++;
      }
    } finally {
      this.#flushing = false;
      this.#compact();
    }
    return sent;
  }

  /** Takes every message out, oldest first. */
  drain(): OutgoingMessage[] {
    const held = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return held;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
