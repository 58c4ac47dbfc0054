import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBConnectionRegistry } from '../../functions/aws/connection-registry.js';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

describe('DynamoDBConnectionRegistry against DynamoDB Local', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  let registry: DynamoDBConnectionRegistry;

  const dynamodb = useTestTables();
  beforeAll(async () => {
    ({ client, tables } = dynamodb);
    registry = new DynamoDBConnectionRegistry({ client, tableName: tables.connectionsTable });
  });

  const read = (connectionId: string) =>
    documentClientFrom({ client }).send(
      new GetCommand({ TableName: tables.connectionsTable, Key: { connectionId } }),
    );

  it('registers a connection as active with its expiry', async () => {
    await registry.register({ connectionId: 'abc=', connectedAt: 1_000, expiresAt: 8_200 });

    const { Item } = await read('abc=');
    expect(Item).toEqual({
      connectionId: 'abc=',
      status: 'active',
      connectedAt: 1_000,
      expiresAt: 8_200,
    });
  });

  it('keeps the frame key a client connected with in its item', async () => {
    const frameKey = 'q0Zk7yJ3-aB_9xYwVuTs1w';
    await registry.register({ connectionId: 'key=', connectedAt: 1, expiresAt: 2, frameKey });

    expect((await read('key=')).Item).toMatchObject({ status: 'active', frameKey });
    expect((await read('abc=')).Item).not.toHaveProperty('frameKey');
  });

  it('removes a connection, and removing it again is not an error', async () => {
    await registry.register({ connectionId: 'gone=', connectedAt: 1, expiresAt: 2 });

    await registry.remove('gone=');
    await registry.remove('gone=');

    expect((await read('gone=')).Item).toBeUndefined();
  });

  it('keeps suspended connections out of the index until they are suspended', async () => {
    await registry.register({ connectionId: 'sparse=', connectedAt: 1, expiresAt: 2 });
    const { Item } = await read('sparse=');
    expect(Item?.suspendShard).toBeUndefined();
  });

  it('fails with the SDK error when the table does not exist', async () => {
    const missing = new DynamoDBConnectionRegistry({ client, tableName: 'no-such-table' });
    await expect(
      missing.register({ connectionId: 'x', connectedAt: 1, expiresAt: 2 }),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
