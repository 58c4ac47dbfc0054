import type { ChannelsClient, OutgoingMessage, SuspendFrame } from '../../client/index.js';

// For the unit tests of the client helper: a socket in memory, the frames the server would send
// through it, and a record of what the client tells the app.

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSED = 3;

/** The frame key of a FakeSocket unless a test gives another: 22 characters of base64url. */
export const testFrameKey = 'TESTfakeSocketKey0123_';
/** A socket URL as withChannelsKey makes it, with `frameKey`. */
export const keyedUrl = (frameKey = testFrameKey) =>
  `wss://abc123.execute-api.eu-west-1.amazonaws.com/prod?wsChannelsKey=${frameKey}`;

/** An in-memory socket: records what is sent, and delivers frames and opens on demand. */
export class FakeSocket extends EventTarget {
  readyState: number;
  /** The URL it was opened with, as WebSocket.url: by default with the test's frame key. */
  readonly url: string;
  readonly sent: OutgoingMessage[] = [];
  /** Called inside send(), before it records: lets a test act while the socket is busy. */
  onSend: ((data: OutgoingMessage) => void) | undefined;

  constructor(readyState = OPEN, url = keyedUrl()) {
    super();
    this.readyState = readyState;
    this.url = url;
  }

  send(data: OutgoingMessage): void {
    if (this.readyState !== OPEN) throw new Error(`send on a socket in state ${this.readyState}`);
    this.onSend?.(data);
    this.sent.push(data);
  }

  open(): void {
    this.readyState = OPEN;
    this.dispatchEvent(new Event('open'));
  }

  close(): void {
    this.readyState = CLOSED;
    this.dispatchEvent(new Event('close'));
  }

  receive(data: unknown): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }

  listeners = 0;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    this.listeners++;
    super.addEventListener(type, listener, options);
  }
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    this.listeners--;
    super.removeEventListener(type, listener, options);
  }
}

export const suspendFrame = (runId = 'run-s1', resumeBy: string | null = null): SuspendFrame => ({
  type: 'suspend',
  runId,
  deploymentId: 'd-ABC',
  at: '2026-01-01T00:00:00.000Z',
  resumeBy,
});
/** The suspend frame as the server sends it to the connection of `frameKey`. */
export const suspendText = (
  runId?: string,
  resumeBy?: string | null,
  frameKey: string | undefined = testFrameKey,
) => JSON.stringify({ ...suspendFrame(runId, resumeBy), key: frameKey });
export const resumeText = (
  suspendRunId: string | null = 'run-s1',
  frameKey: string | undefined = testFrameKey,
) =>
  JSON.stringify({
    type: 'resume',
    runId: 'run-r1',
    suspendRunId,
    deploymentId: 'd-ABC',
    at: '2026-01-01T00:01:00.000Z',
    key: frameKey,
  });

/** Every event the client dispatches, in order, with its detail. */
export function recordEvents(client: ChannelsClient) {
  const events: Array<{ type: string; detail: unknown }> = [];
  for (const type of ['suspend', 'resume', 'message', 'overflow', 'error', 'reconnect'] as const) {
    client.addEventListener(type, (event) => events.push({ type, detail: event.detail }));
  }
  return events;
}
