import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { RunRecord } from '../core/ports.js';
import { documentClientFrom } from './dynamodb.js';
import { translateRegistryError } from './registry-errors.js';
import { RunTable, translateRunTableError } from './run-table.js';

// What an operator reads of the tables (the `ws-channels` commands): a run's record as it goes,
// the last runs, and how many connections are suspended. Reads only; the runs write.

/** The Runs table's run records (not its lease, hook or window items), newest first. */
export class DynamoDBRunHistory extends RunTable {
  /** The run's record as it stands now (consistently: a follower sees every progress write). */
  async read(runId: string): Promise<RunRecord | undefined> {
    try {
      const output = await this.documentClient.send(
        new GetCommand({ TableName: this.tableName, Key: { runId }, ConsistentRead: true }),
      );
      return output.Item as RunRecord | undefined;
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
  }

  /**
   * The `limit` runs that started last. A Scan: the table holds 30 days of runs and a handful of
   * other items, and an operator asks now and then.
   */
  async latest(limit: number): Promise<RunRecord[]> {
    const records: RunRecord[] = [];
    try {
      const pages = paginateScan(
        { client: this.documentClient },
        {
          TableName: this.tableName,
          // Run ids never hold '#': the lease, hook and window items all do.
          FilterExpression: 'NOT contains(runId, :hash) AND attribute_exists(startedAt)',
          ExpressionAttributeValues: { ':hash': '#' },
        },
      );
      for await (const page of pages) records.push(...((page.Items ?? []) as RunRecord[]));
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
    const startedAt = (record: RunRecord) => String(record.startedAt ?? '');
    return records.sort((a, b) => startedAt(b).localeCompare(startedAt(a))).slice(0, limit);
  }
}

/**
 * How many connections are suspended: the items of the sparse suspended index, counted by
 * DynamoDB (Select COUNT reads the index but returns no item). Undefined when the index is
 * missing (a run would say not_detected).
 */
export async function countSuspended(options: {
  client: DynamoDBClient;
  tableName: string;
  indexName: string;
}): Promise<number | undefined> {
  const documentClient = documentClientFrom({ client: options.client });
  let count = 0;
  try {
    const pages = paginateScan(
      { client: documentClient },
      { TableName: options.tableName, IndexName: options.indexName, Select: 'COUNT' },
    );
    for await (const page of pages) count += page.Count ?? 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if ((error as { name?: unknown }).name === 'ValidationException' && /index/i.test(message)) {
      return undefined;
    }
    throw translateRegistryError(error, {
      tableName: options.tableName,
      variable: 'CONNECTIONS_TABLE',
    });
  }
  return count;
}
