import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { ChannelsClient, type ChannelsClientOptions } from '../../client/index.js';
import { invokeRun } from '../../scripts/lib/invoke.js';
import type { StackFixture } from './stack-fixture.js';
import { waitUntil } from './ws-clients.js';

// Clients that talk throughout a deployment: each wraps a `ws` socket (opened with a frame key:
// withChannelsKey, or the fixture's connect({ channelsKey: true })) in the client helper and
// sends numbered messages on a common beat; the stand-in $default echoes each one. Everything the
// helper tells the app is kept on one timeline per client, in the order it happened, so that the
// echoes can be placed against the suspend and resume frames of the same connection.

export interface SentMessage {
  id: string;
  seq: number;
  at: number;
  /** The client's state when the app sent it: suspended means the helper must hold it. */
  stateAtSend: 'active' | 'suspended';
  /** The helper held it (suspended, not yet connected, or behind held ones). */
  held: boolean;
}

export type TimelineEntry =
  | { kind: 'suspend'; at: number }
  | { kind: 'resume'; at: number; flushed: number; reason: string }
  | { kind: 'echo'; at: number; id: string };

export interface ChattyClient {
  name: string;
  helper: ChannelsClient;
  sent: SentMessage[];
  timeline: TimelineEntry[];
  /** Connected during the deployment window (set by the test). */
  late: boolean;
  /** Connection attempts refused before the socket opened ($connect's 429 during the window). */
  refused: number;
  /** What the helper's `error` event told (a socket without a frame key, a send that threw). */
  errors: unknown[];
  /** Sends the next numbered message. */
  sendNext(): void;
  echoes(): Extract<TimelineEntry, { kind: 'echo' }>[];
}

/** `client-name-0001`: the client and the number, which the server's log shows too. */
export const messageId = (name: string, seq: number) =>
  `drive-${name}-${String(seq).padStart(4, '0')}`;

export function chattyClient(
  name: string,
  socket: WebSocket | (() => WebSocket),
  options: ChannelsClientOptions = {},
): ChattyClient {
  const helper = new ChannelsClient(socket, options);
  const sent: SentMessage[] = [];
  const timeline: TimelineEntry[] = [];
  const client: ChattyClient = {
    name,
    helper,
    sent,
    timeline,
    late: false,
    refused: 0,
    errors: [],
    sendNext() {
      const seq = sent.length + 1;
      const id = messageId(name, seq);
      const stateAtSend = helper.state;
      helper.send(id);
      sent.push({ id, seq, at: Date.now(), stateAtSend, held: helper.queued > 0 });
    },
    echoes: () =>
      timeline.filter(
        (entry): entry is Extract<TimelineEntry, { kind: 'echo' }> => entry.kind === 'echo',
      ),
  };
  helper.addEventListener('suspend', () => timeline.push({ kind: 'suspend', at: Date.now() }));
  helper.addEventListener('resume', (event) =>
    timeline.push({
      kind: 'resume',
      at: Date.now(),
      flushed: event.detail.flushed,
      reason: event.detail.reason,
    }),
  );
  helper.addEventListener('message', (event) =>
    timeline.push({ kind: 'echo', at: Date.now(), id: String(event.detail) }),
  );
  helper.addEventListener('error', (event) => client.errors.push(event.detail.error));
  helper.addEventListener('reconnect', (event) => {
    if (event.detail.refused) client.refused++;
  });
  return client;
}

/** Every `intervalMs`, each client sends its next message; stop() ends the beat. */
export function sendThroughout(clients: () => readonly ChattyClient[], intervalMs: number) {
  const timer = setInterval(() => {
    for (const client of clients()) client.sendNext();
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}

/** Stops the helper (no more reconnects) and ends its socket. */
export function endChattyClient(client: ChattyClient): void {
  client.helper.dispose();
  const { socket } = client.helper;
  if (!(socket instanceof WebSocket)) return;
  // Ending a socket that is still connecting emits an error, which ws throws if nobody listens.
  socket.on('error', () => {});
  socket.terminate();
}

const beatMs = 100;
const talkWaitMs = 30_000;

/**
 * Connects `count` clients with the helper, warms the functions, and starts the beat; the clients
 * and the beat are stopped when the test finishes.
 */
export async function startTalking(fixture: StackFixture, count: number, prefix: string) {
  const clients: ChattyClient[] = [];
  const beat = { stop: () => {} };
  onTestFinished(() => {
    beat.stop();
    for (const client of clients) endChattyClient(client);
  });
  for (let index = 1; index <= count; index++) {
    const { socket } = await fixture.connect({ channelsKey: true });
    // A short keep-alive beat, so pings go out while suspended (they never reach $default).
    clients.push(chattyClient(`${prefix}${index}`, socket, { pingIntervalMs: 1_000 }));
  }
  // Warm: the first invocation of a function loads its bundle; the beat starts once $default
  // and both hook functions (a dry run reads only) have loaded.
  for (let round = 1; round <= 3; round++) {
    for (const client of clients) client.sendNext();
    await waitUntil(
      () => clients.every((client) => client.echoes().length >= round),
      'the echoes of the warm-up messages',
      talkWaitMs,
    );
  }
  for (const name of ['suspend', 'resume'] as const) {
    await invokeRun(fixture.invokeTarget, name, { dryRun: true });
  }
  beat.stop = sendThroughout(() => clients, beatMs).stop;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return { clients, beat };
}
