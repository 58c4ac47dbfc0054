import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { wsChannelsTables } from '../../infra/index.js';
import { tableResource } from '../../plugins/resources.js';

// Creates the tables of infra/tables.ts in DynamoDB Local, as the Serverless plugin renders them
// for a stack, so tests run against the key schema, index and attributes that deploy.

export interface TestTables {
  connectionsTable: string;
  runsTable: string;
  suspendedIndex: string;
}

export function testClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates uniquely named Connections and Runs tables from infra/tables.ts. */
export async function createTestTables(client: DynamoDBClient): Promise<TestTables> {
  const suffix = randomUUID().slice(0, 8);
  const names: TestTables = {
    connectionsTable: `test-${suffix}-connections`,
    runsTable: `test-${suffix}-runs`,
    suspendedIndex: 'suspended',
  };
  const tableNames = { connections: names.connectionsTable, runs: names.runsTable };
  for (const table of wsChannelsTables(names.suspendedIndex)) {
    // CreateTable takes the resource's properties but these two, which are calls of their own.
    const {
      TimeToLiveSpecification: _ttl,
      PointInTimeRecoverySpecification: _pitr,
      ...properties
    } = tableResource(table, tableNames[table.id]).Properties ?? {};
    const input = properties as unknown as CreateTableCommandInput;
    await client.send(new CreateTableCommand(input));
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: input.TableName ?? '' });
  }
  return names;
}

export async function deleteTestTables(client: DynamoDBClient, tables: TestTables): Promise<void> {
  for (const TableName of [tables.connectionsTable, tables.runsTable]) {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  }
}
