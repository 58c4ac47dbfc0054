// The frame key: a random value the client opens its socket with (the query parameter
// `wsChannelsKey`). ws-channels' $connect keeps it with the connection and every control frame to
// that connection carries it, so the client takes a frame as ws-channels' own only when it carries
// its key: another client cannot make one, not even by relaying a copy of its own genuine frame
// through an app that passes client text on.

import { type ControlFrame, parseControlFrame } from './control-frames.js';
import type { WebSocketLike } from './input.js';

/** The query parameter that carries the frame key (ws-channels' $connect reads it). */
export const frameKeyParameter = 'wsChannelsKey';

/** 128 bits in base64url without padding: what $connect accepts, and nothing else. */
const frameKeyForm = /^[A-Za-z0-9_-]{22}$/;

/** Told once through the `error` event: the socket's URL has no frame key. */
export class ChannelsKeyMissingError extends Error {
  override name = 'ChannelsKeyMissingError';

  constructor() {
    super(
      `The socket's URL has no ${frameKeyParameter}, so the client cannot tell ws-channels' suspend and resume frames from forged ones: it ignores them all on this socket. Open it with withChannelsKey(url): new WebSocket(withChannelsKey(url)), inside the socket factory so that each reconnect gets a fresh key.`,
    );
  }
}

/** A fresh frame key: 128 bits from crypto.getRandomValues, in base64url without padding. */
export function newFrameKey(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * `url` with a fresh frame key in its query string (any key it had is replaced; the rest of the
 * query is kept as written). Open every socket the client wraps with one:
 * `new ChannelsClient(() => new WebSocket(withChannelsKey(url)))`. A relative URL is taken
 * relative to the page, as `new WebSocket` takes it.
 */
export function withChannelsKey(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url, globalThis.location?.href);
  } catch {
    throw new TypeError(
      `withChannelsKey: expected a WebSocket URL (wss://..., or relative to the page), got ${String(url)}`,
    );
  }
  const kept = parsed.search
    .slice(1)
    .split('&')
    .filter((part) => part !== '' && part.split('=')[0] !== frameKeyParameter);
  parsed.search = [...kept, `${frameKeyParameter}=${newFrameKey()}`].join('&');
  return parsed.toString();
}

/**
 * The frame key of the URL the socket was opened with (its standard `url`); undefined when it
 * has none, or one of another form, which $connect would have refused.
 */
export function frameKeyOf(socket: WebSocketLike): string | undefined {
  const { url } = socket;
  if (typeof url !== 'string') return undefined;
  let key: string | null;
  try {
    key = new URL(url).searchParams.get(frameKeyParameter);
  } catch {
    return undefined;
  }
  return key !== null && frameKeyForm.test(key) ? key : undefined;
}

/**
 * The frame key of the socket the client listens to now, and what it says when a socket has none:
 * `onMissing` hears a ChannelsKeyMissingError once per client, after the constructor or `attach`
 * returned (so the app's listeners are on).
 */
export class SocketFrameKey {
  readonly #onMissing: (error: ChannelsKeyMissingError) => void;
  #frameKey: string | undefined;
  #told = false;

  constructor(onMissing: (error: ChannelsKeyMissingError) => void) {
    this.#onMissing = onMissing;
  }

  /** The client moved to `socket`: its key is the one in the URL it was opened with. */
  use(socket: WebSocketLike): void {
    this.#frameKey = frameKeyOf(socket);
    if (this.#frameKey !== undefined || this.#told) return;
    this.#told = true;
    queueMicrotask(() => this.#onMissing(new ChannelsKeyMissingError()));
  }

  /** The control frame `data` carries to this socket; null for anything else (or with no key). */
  parse(data: unknown): ControlFrame | null {
    return this.#frameKey === undefined ? null : parseControlFrame(data, this.#frameKey);
  }
}
