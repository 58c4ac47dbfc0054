import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import {
  type DynamoDBFaultProxy,
  type DynamoDBFaultRule,
  startDynamoDBFaultProxy,
} from '../support/dynamodb-fault-proxy.js';
import { rejectionOf } from '../support/rejection.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

// The fault proxy in front of DynamoDB Local, seen through the real SDK v3 clients: each fault
// must reach the client as DynamoDB itself would produce it, and a fault that says "not
// written" must really not have written.

describe('DynamoDB fault proxy with the real SDK client', () => {
  let direct: DynamoDBClient;
  let tables: TestTables;
  let proxy: DynamoDBFaultProxy;
  const clients: DynamoDBClient[] = [];

  const proxiedDocumentClient = (maxAttempts: number): DynamoDBDocumentClient => {
    const client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts,
    });
    clients.push(client);
    return documentClientFrom({ client });
  };
  const put = (documentClient: DynamoDBDocumentClient, connectionId: string) =>
    documentClient.send(
      new PutCommand({
        TableName: tables.connectionsTable,
        Item: { connectionId, status: 'active' },
      }),
    );
  const read = (connectionId: string) =>
    documentClientFrom({ client: direct })
      .send(
        new GetCommand({
          TableName: tables.connectionsTable,
          Key: { connectionId },
          ConsistentRead: true,
        }),
      )
      .then((output) => output.Item);
  const setRules = (...rules: DynamoDBFaultRule[]) => proxy.setRules(rules);

  const dynamodb = useTestTables();
  beforeAll(async () => {
    const { endpoint } = dynamodb;
    ({ client: direct, tables } = dynamodb);
    proxy = await startDynamoDBFaultProxy({ upstream: endpoint });
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await proxy?.stop();
  });

  afterEach(() => {
    proxy.setRules([]);
    proxy.resetStats();
  });

  it('forwards calls untouched when no rule fires, and counts them per operation', async () => {
    const documentClient = proxiedDocumentClient(1);
    await put(documentClient, 'plain-1');
    const output = await documentClient.send(
      new GetCommand({ TableName: tables.connectionsTable, Key: { connectionId: 'plain-1' } }),
    );

    expect(output.Item).toEqual({ connectionId: 'plain-1', status: 'active' });
    expect(proxy.stats()).toEqual({
      calls: { PutItem: 1, GetItem: 1 },
      injected: {},
      injectedTotal: 0,
    });
  });

  it('answers ProvisionedThroughputExceededException as DynamoDB does; the SDK retries it', async () => {
    setRules({ operations: ['PutItem'], kind: 'throughputExceeded', share: { first: 2 } });
    const once = proxiedDocumentClient(1);
    const error = await rejectionOf(put(once, 'pte-1'));

    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error.name).toBe('ProvisionedThroughputExceededException');
    expect(error.message).toMatch(/provisioned throughput/);
    expect(error).toMatchObject({ $fault: 'client', $metadata: { httpStatusCode: 400 } });
    // The model marks it neither retryable nor throttling, so `$retryable` is not set (a check
    // on `$retryable` alone calls it final); the SDK's retry strategy knows it by name and
    // retries it all the same.
    expect((error as { $retryable?: unknown }).$retryable).toBeUndefined();
    expect(await read('pte-1')).toBeUndefined();

    const retrying = proxiedDocumentClient(3);
    const output = await put(retrying, 'pte-1');
    expect(output.$metadata.attempts).toBe(2);
    expect(await read('pte-1')).toEqual({ connectionId: 'pte-1', status: 'active' });
    expect(proxy.stats().injected).toEqual({ PutItem: { throughputExceeded: 2 } });
  });

  it('answers ThrottlingException (400) and InternalServerError (500) with their classes', async () => {
    const documentClient = proxiedDocumentClient(1);
    setRules({ operations: 'all', kind: 'throttling', share: { all: true } });
    const throttled = await rejectionOf(put(documentClient, 'throttled-1'));
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled).toMatchObject({ $fault: 'client', $metadata: { httpStatusCode: 400 } });

    setRules({ operations: ['PutItem'], kind: 'internalServerError', share: { all: true } });
    const failed = await rejectionOf(put(documentClient, 'failed-1'));
    expect(failed).toBeInstanceOf(InternalServerError);
    expect(failed).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 500 } });

    expect(await read('throttled-1')).toBeUndefined();
    expect(await read('failed-1')).toBeUndefined();
    expect(proxy.stats().injected).toEqual({
      PutItem: { throttling: 1, internalServerError: 1 },
    });

    // Both are retryable to the SDK: three attempts all refused, then the error.
    const retrying = proxiedDocumentClient(3);
    setRules({ operations: ['PutItem'], kind: 'throttling', share: { all: true } });
    const exhausted = await rejectionOf(put(retrying, 'throttled-2'));
    expect(exhausted).toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 3 } });
  });

  it('drops the connection before forwarding (not written) or after (written, answer lost)', async () => {
    const documentClient = proxiedDocumentClient(1);
    setRules({ operations: ['PutItem'], kind: 'dropBeforeForward', share: { first: 1 } });
    const before = await rejectionOf(put(documentClient, 'dropped-before'));
    expect(before.message).toMatch(/socket hang up|ECONNRESET/);
    expect(await read('dropped-before')).toBeUndefined();

    setRules({ operations: ['PutItem'], kind: 'dropAfterForward', share: { first: 1 } });
    const after = await rejectionOf(put(documentClient, 'dropped-after'));
    expect(after.message).toMatch(/socket hang up|ECONNRESET/);
    expect(await read('dropped-after')).toEqual({
      connectionId: 'dropped-after',
      status: 'active',
    });

    // The rule's share is spent: the next call goes through.
    await put(documentClient, 'after-the-drop');
    expect(proxy.stats().injected).toEqual({
      PutItem: { dropBeforeForward: 1, dropAfterForward: 1 },
    });
  });

  it.each(['ThrottlingError', 'ProvisionedThroughputExceeded', 'InternalServerError'] as const)(
    'per-statement %s inside a 200: those statements are not executed',
    async (code) => {
      const documentClient = proxiedDocumentClient(1);
      const ids = Array.from({ length: 7 }, (_, index) => `statement-${code}-${index}`);
      setRules({
        operations: ['BatchExecuteStatement'],
        kind: 'statementErrors',
        share: { every: 3 },
        statementCode: code,
      });
      const output = await documentClient.send(
        new BatchExecuteStatementCommand({
          Statements: ids.map((id) => ({
            Statement: `INSERT INTO "${tables.connectionsTable}" VALUE {'connectionId': ?, 'status': 'active'}`,
            Parameters: [id],
          })),
        }),
      );

      // Every 3rd statement (the 3rd and the 6th) was picked.
      const picked = new Set([2, 5]);
      expect(output.Responses).toHaveLength(ids.length);
      output.Responses?.forEach((response, index) => {
        if (picked.has(index)) {
          expect(response.Error).toEqual({ Code: code, Message: expect.any(String) });
        } else {
          expect(response.Error).toBeUndefined();
        }
      });
      for (const [index, id] of ids.entries()) {
        const item = await read(id);
        if (picked.has(index)) expect(item, id).toBeUndefined();
        else expect(item, id).toEqual({ connectionId: id, status: 'active' });
      }
      expect(proxy.stats().injected).toEqual({ BatchExecuteStatement: { statementErrors: 2 } });
    },
  );

  it('splices the answers of reads back in order, and answers a batch of only picked statements itself', async () => {
    const documentClient = proxiedDocumentClient(1);
    for (const id of ['read-a', 'read-b', 'read-c']) await put(documentClient, id);
    const select = (id: string) => ({
      Statement: `SELECT * FROM "${tables.connectionsTable}" WHERE "connectionId" = ?`,
      Parameters: [id],
    });
    setRules({
      operations: ['BatchExecuteStatement'],
      kind: 'statementErrors',
      share: { every: 2 },
    });
    const output = await documentClient.send(
      new BatchExecuteStatementCommand({ Statements: ['read-a', 'read-b', 'read-c'].map(select) }),
    );
    expect(
      output.Responses?.map((response) => response.Item?.connectionId ?? response.Error?.Code),
    ).toEqual(['read-a', 'ThrottlingError', 'read-c']);

    proxy.resetStats();
    setRules({
      operations: ['BatchExecuteStatement'],
      kind: 'statementErrors',
      share: { all: true },
    });
    const allPicked = await documentClient.send(
      new BatchExecuteStatementCommand({ Statements: [select('read-a')] }),
    );
    expect(allPicked.Responses?.[0]?.Error?.Code).toBe('ThrottlingError');
    expect(proxy.stats()).toMatchObject({ calls: { BatchExecuteStatement: 1 }, injectedTotal: 1 });
  });

  it('picks a deterministic seeded fraction, and rules can change while calls go on', async () => {
    const documentClient = proxiedDocumentClient(1);
    const outcomes = async () => {
      const results: string[] = [];
      for (let index = 0; index < 40; index++) {
        results.push(
          await put(documentClient, `fraction-${index}`).then(
            () => 'ok',
            (error: Error) => error.name,
          ),
        );
      }
      return results;
    };
    const rule: DynamoDBFaultRule = {
      operations: ['PutItem'],
      kind: 'throttling',
      share: { fraction: 0.25, seed: 9 },
    };
    setRules(rule);
    const first = await outcomes();
    setRules(rule);
    const second = await outcomes();

    expect(second).toEqual(first);
    const throttled = first.filter((outcome) => outcome === 'ThrottlingException').length;
    expect(throttled).toBeGreaterThan(2);
    expect(throttled).toBeLessThan(20);
    expect(proxy.stats().injected.PutItem?.throttling).toBe(2 * throttled);

    // Only the operations named: GetItem passes while PutItem is refused.
    setRules({ operations: ['PutItem'], kind: 'internalServerError', share: { all: true } });
    await expect(put(documentClient, 'refused')).rejects.toBeInstanceOf(InternalServerError);
    await expect(
      documentClient.send(
        new GetCommand({ TableName: tables.connectionsTable, Key: { connectionId: 'fraction-0' } }),
      ),
    ).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
  });

  it('rejects a share out of range', () => {
    expect(() => setRules({ operations: 'all', kind: 'throttling', share: { every: 0 } })).toThrow(
      /share.every/,
    );
    expect(() =>
      setRules({ operations: 'all', kind: 'throttling', share: { fraction: 1.5 } }),
    ).toThrow(/share.fraction/);
  });
});
