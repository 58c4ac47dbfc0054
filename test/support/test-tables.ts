import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTestTables, deleteTestTables, type TestTables, testClient } from './tables.js';

// The one DynamoDB Local fixture of the integration tests: the run's DynamoDB Local (started once
// by dynamodb-global-setup.ts), a client on it, and tables of the stack's shape under names of
// their own, made before the suite's tests and dropped after them.

export interface TestTablesFixture {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly tables: TestTables;
}

/** Call it in a suite before the hooks that use it: its beforeAll runs first. */
export function useTestTables(): TestTablesFixture {
  let made: TestTablesFixture | undefined;
  beforeAll(async () => {
    const endpoint = inject('dynamodbEndpoint');
    const client = testClient(endpoint);
    made = { endpoint, client, tables: await createTestTables(client) };
  });
  afterAll(async () => {
    if (!made) return;
    await deleteTestTables(made.client, made.tables);
    made.client.destroy();
  });
  const ready = (): TestTablesFixture => {
    if (!made) throw new Error('the test tables were not made (is useTestTables inside a suite?)');
    return made;
  };
  return {
    get endpoint() {
      return ready().endpoint;
    },
    get client() {
      return ready().client;
    },
    get tables() {
      return ready().tables;
    },
  };
}
