import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { createBackoff, sleep } from '../core/backoff.js';
import { recordCalls } from './call-recording.js';

/** Either your own client or a config to build one with, never both (the Powertools way). */
export type DynamoDBClientOption =
  | { client: DynamoDBClient; clientConfig?: never }
  | { client?: never; clientConfig?: DynamoDBClientConfig };

export function documentClientFrom(option: DynamoDBClientOption): DynamoDBDocumentClient {
  const client = option.client ?? recordCalls(new DynamoDBClient(option.clientConfig ?? {}));
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/**
 * Reads the items of these connection ids (consistently, 100 per BatchGetItem, unprocessed keys
 * retried with backoff); ids without an item are left out.
 */
export async function readConnections(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  connectionIds: readonly string[],
): Promise<Record<string, unknown>[]> {
  // No jitter: a single reader of a list of selected ids has no crowd of retries to spread.
  // Waits of 100 ms doubling to 25.6 s before attempt 9, the last (the cap is that wait: it cuts none short).
  const backoff = createBackoff({ baseMs: 50, maxMs: 25_600, jitter: 'none' });
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < connectionIds.length; start += 100) {
    let keys: Record<string, unknown>[] | undefined = connectionIds
      .slice(start, start + 100)
      .map((connectionId) => ({ connectionId }));
    for (let attempt = 0; keys && keys.length > 0 && attempt < 10; attempt++) {
      if (attempt > 0) await sleep(backoff.delayFor(attempt));
      const output: BatchGetCommandOutput = await documentClient.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      items.push(...(output.Responses?.[tableName] ?? []));
      keys = output.UnprocessedKeys?.[tableName]?.Keys;
    }
    if (keys?.length) {
      throw new Error(`DynamoDB left ${keys.length} connections unread after 10 attempts`);
    }
  }
  return items;
}
