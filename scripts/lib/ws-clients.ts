import { once } from 'node:events';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { withChannelsKey } from '../../client/index.js';

// Real `ws` clients for the demo and the end-to-end tests: each records every text frame it
// receives.

export interface TestClient {
  socket: WebSocket;
  connectionId: string;
  /** The frame key it connected with (`channelsKey`), which its control frames carry. */
  frameKey: string | undefined;
  received: string[];
  /** Resolves when `predicate` holds for the frames received so far, or rejects after timeoutMs. */
  waitFor(predicate: (frames: string[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function scanConnectionIds(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
): Promise<Set<string>> {
  const ids = new Set<string>();
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 1_000; page++) {
    const result = await documentClient.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
    );
    for (const item of result.Items ?? []) ids.add(String(item.connectionId));
    startKey = result.LastEvaluatedKey;
    if (!startKey) break;
  }
  return ids;
}

export async function waitUntil(
  condition: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Connects one client and learns its connection id from the registry (the id API Gateway gives
 * is not told to the client): the one id that was not in the table before. With `channelsKey` it
 * connects as the client helper does, with a fresh frame key (withChannelsKey); without, as a
 * client without the helper.
 */
export async function connectClient(
  url: string,
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  options: { channelsKey?: boolean } = {},
): Promise<TestClient> {
  const before = await scanConnectionIds(documentClient, tableName);
  const socket = new WebSocket(options.channelsKey ? withChannelsKey(url) : url);
  const received: string[] = [];
  socket.on('message', (data) => received.push(data.toString()));
  await once(socket, 'open');
  let connectionId = '';
  await waitUntil(async () => {
    const fresh = [...(await scanConnectionIds(documentClient, tableName))].filter(
      (id) => !before.has(id),
    );
    if (fresh.length === 1 && fresh[0]) connectionId = fresh[0];
    return connectionId !== '';
  }, 'the new connection to appear in the registry');
  return {
    socket,
    connectionId,
    frameKey: new URL(socket.url).searchParams.get('wsChannelsKey') ?? undefined,
    received,
    waitFor: (predicate, timeoutMs = 15_000) =>
      waitUntil(() => predicate(received), 'the expected frames', timeoutMs),
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
