import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import { shardOf } from '../../functions/core/registry/pages.js';

// Writes registry items straight into the Connections table, as the handlers and a suspend run
// would have left them, 25 per BatchWriteItem, several calls at once.

export interface SeedItem {
  connectionId: string;
  status: 'active' | 'suspended';
  connectedAt?: number;
  suspendedBy?: string;
  resumeAttempts?: number;
  /** The deployment window a suspend marked it in, or $connect let it in while it was open. */
  suspendedInWindow?: string;
  admittedInWindow?: string;
  /** The frame key the client connected with (a client with the helper). */
  frameKey?: string;
}

export function suspendedItem(
  connectionId: string,
  suspendedBy: string,
  shards = 16,
  frameKey?: string,
) {
  return {
    connectionId,
    status: 'suspended' as const,
    suspendedBy,
    suspendedAt: new Date().toISOString(),
    suspendShard: shardOf(connectionId, shards),
    ...(frameKey === undefined ? {} : { frameKey }),
  };
}

export async function seedConnections(
  client: DynamoDBClient,
  tableName: string,
  items: readonly (SeedItem | (ReturnType<typeof suspendedItem> & Partial<SeedItem>))[],
  options: { parallel?: number } = {},
): Promise<void> {
  const now = Date.now();
  const requests = items.map((item) => ({
    PutRequest: {
      Item: {
        connectedAt: now - 60_000,
        expiresAt: Math.floor(now / 1000) + 7_800,
        ...item,
      } as Record<string, unknown>,
    },
  }));
  const batches: (typeof requests)[] = [];
  for (let start = 0; start < requests.length; start += 25) {
    batches.push(requests.slice(start, start + 25));
  }
  const documentClient = documentClientFrom({ client });
  const parallel = options.parallel ?? 8;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending: typeof requests | undefined = batches[next++];
      for (let attempt = 0; pending && pending.length > 0 && attempt < 10; attempt++) {
        const output = await documentClient.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
        );
        pending = output.UnprocessedItems?.[tableName] as typeof requests | undefined;
      }
      if (pending && pending.length > 0) throw new Error('seeding left items unprocessed');
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}
