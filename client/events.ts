// What the client tells the app: its state, and the events it dispatches with their details.

import type { ResumeFrame, SuspendFrame } from './control-frames.js';
import type { OutgoingMessage } from './input.js';

export type ChannelsState = 'active' | 'suspended';

export interface ReconnectDetail {
  /** 1 for the first attempt after a socket closed, 2 for the next if that one failed too... */
  attempt: number;
  /** How long the client waits before it makes the next socket. */
  delayMs: number;
  /**
   * The socket closed before it ever opened: the server refused the connection (during a
   * deployment, ws-channels' $connect does; browsers cannot tell that from a network error).
   */
  refused: boolean;
}

/**
 * Why the client resumed: the server's resume frame; the open of a socket given to `attach`; or
 * the suspend frame's `resumeBy` passing with no resume frame (the server never resumed it).
 */
export type ResumeReason = 'frame' | 'reconnect' | 'resumeBy';

export interface ResumeDetail {
  /** The server's resume frame; null when the client resumed on its own (see `reason`). */
  frame: ResumeFrame | null;
  /** How many held messages were sent when it resumed. */
  flushed: number;
  reason: ResumeReason;
}

export interface OverflowDetail {
  /** The message that was refused. */
  data: OutgoingMessage;
  maxQueued: number;
}

export interface SendErrorDetail {
  /** What the socket's `send` threw; the message stays first in the queue. */
  error: unknown;
  queued: number;
}

export interface ChannelsClientEventMap {
  /** The state went from active to suspended. */
  suspend: CustomEvent<SuspendFrame>;
  /**
   * The state went from suspended to active; held messages have been sent. `detail.reason` is
   * `resumeBy` when no resume frame came in time and the client resumed on its own.
   */
  resume: CustomEvent<ResumeDetail>;
  /** A message for the app (control frames never reach it); detail is the socket's `data`. */
  message: CustomEvent<unknown>;
  /** `send` refused a message because the queue is full (and threw). */
  overflow: CustomEvent<OverflowDetail>;
  /**
   * The socket threw while held messages were sent (they stay queued for the next try), or the
   * socket factory threw (the client tries again after the next delay), or (once) a socket's URL
   * has no frame key (a ChannelsKeyMissingError: open it with `withChannelsKey(url)`).
   */
  error: CustomEvent<SendErrorDetail>;
  /** Given a socket factory: the socket closed, and the client connects again after `delayMs`. */
  reconnect: CustomEvent<ReconnectDetail>;
}

/**
 * EventTarget, with `addEventListener` and `removeEventListener` typed by the client's events, so
 * that a listener knows its event's detail.
 */
export class ChannelsEventTarget extends EventTarget {
  override addEventListener<K extends keyof ChannelsClientEventMap>(
    type: K,
    listener: ((event: ChannelsClientEventMap[K]) => void) | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
  }

  override removeEventListener<K extends keyof ChannelsClientEventMap>(
    type: K,
    listener: ((event: ChannelsClientEventMap[K]) => void) | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener, options);
  }
}

/** Dispatches the client's event `type` with its detail, typed by the event map. */
export function dispatchDetail<K extends keyof ChannelsClientEventMap>(
  target: EventTarget,
  type: K,
  detail: ChannelsClientEventMap[K]['detail'],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail }));
}
