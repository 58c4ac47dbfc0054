import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/stack-fixture.js';
import { scanConnectionIds, type TestClient, waitUntil } from '../support/ws-clients.js';

describe('the local stack: registry handlers in serverless-offline with DynamoDB Local', () => {
  const localStack = useLocalStack();

  it('registers three clients, removes the one that closes, and echoes a message', async () => {
    const { stack, documentClient, connect } = localStack();
    const clients: TestClient[] = [];
    for (let index = 0; index < 3; index++) clients.push(await connect());
    const [first, second, third] = clients;
    if (!first || !second || !third) throw new Error('three clients expected');

    const registered = await scanConnectionIds(documentClient, stack.connectionsTable);
    expect(registered).toEqual(new Set(clients.map((client) => client.connectionId)));
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: stack.connectionsTable,
        Key: { connectionId: first.connectionId },
      }),
    );
    expect(Item).toMatchObject({ status: 'active', connectionId: first.connectionId });
    expect(Number(Item?.expiresAt)).toBeGreaterThan(Date.now() / 1000 + 2 * 60 * 60);

    await second.close();
    await waitUntil(
      async () =>
        !(await scanConnectionIds(documentClient, stack.connectionsTable)).has(second.connectionId),
      'the closed connection to leave the registry',
    );
    expect(await scanConnectionIds(documentClient, stack.connectionsTable)).toEqual(
      new Set([first.connectionId, third.connectionId]),
    );

    third.socket.send('hello from the third client');
    await third.waitFor((frames) => frames.length > 0);
    expect(third.received).toEqual(['hello from the third client']);
    expect(first.received).toEqual([]);
  });
});
