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

/** A queue with a moving head: shift() on a large array copies it each time. */
export class HeldMessages {
  readonly maxQueued: number;
  #items: OutgoingMessage[] = [];
  #head = 0;

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

  push(data: OutgoingMessage): void {
    this.#items.push(data);
  }

  /** Takes the oldest message out; undefined when none is held. */
  shift(): OutgoingMessage | undefined {
    if (this.size === 0) return undefined;
    const data = this.#items[this.#head];
    this.#head++;
    return data;
  }

  /** Puts a message back first in line (one that could not be sent after all). */
  unshift(data: OutgoingMessage): void {
    if (this.#head > 0) {
      this.#head--;
      this.#items[this.#head] = data;
    } else {
      this.#items.unshift(data);
    }
  }

  /** Takes every message out, oldest first. */
  drain(): OutgoingMessage[] {
    const held = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return held;
  }

  /**
   * Frees the room of the messages already taken: all of it once none is held, otherwise once
   * they are over 1,024 and more than half the array. Called after a run of shifts, not each one.
   */
  compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
