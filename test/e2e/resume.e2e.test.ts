import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../functions/core/registry/pages.js';
import { invokeRun } from '../../scripts/lib/invoke.js';
import { useLocalStack } from '../support/stack-fixture.js';
import type { TestClient } from '../support/ws-clients.js';

// Resume in serverless-offline: real clients marked suspended straight in the table (as a
// suspend run leaves them), plus registry entries whose sockets are gone (a lost $disconnect).

describe('resume in the local stack', () => {
  const localStack = useLocalStack();

  it('sends one resume frame to each suspended client, deletes the gone entries, and says so', async () => {
    const fixture = localStack();
    const { stack, documentClient } = fixture;
    const read = (connectionId: string) => fixture.read(stack.connectionsTable, { connectionId });
    const clients: TestClient[] = [];
    for (let index = 0; index < 20; index++) clients.push(await fixture.connect());
    for (const client of clients) {
      await documentClient.send(
        new UpdateCommand({
          TableName: stack.connectionsTable,
          Key: { connectionId: client.connectionId },
          UpdateExpression:
            'SET #status = :suspended, suspendedBy = :run, suspendedAt = :at, suspendShard = :shard',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':suspended': 'suspended',
            ':run': 'suspend-e2e',
            ':at': new Date().toISOString(),
            ':shard': shardOf(client.connectionId, 16),
          },
        }),
      );
    }
    const lost = Array.from({ length: 5 }, (_, index) => `lostSocket${index}=`);
    for (const connectionId of lost) {
      await documentClient.send(
        new PutCommand({
          TableName: stack.connectionsTable,
          Item: {
            connectionId,
            status: 'suspended',
            connectedAt: Date.now() - 60_000,
            suspendedBy: 'suspend-e2e',
            suspendedAt: new Date().toISOString(),
            suspendShard: shardOf(connectionId, 16),
          },
        }),
      );
    }

    const summary = await invokeRun(fixture.invokeTarget, 'resume');

    expect(summary).toMatchObject({
      kind: 'resume',
      trigger: 'manual',
      state: 'completed',
      outcome: 'errors',
      counts: { total: 25, delivered: 20, gone: 5, timedOut: 0, failed: 0, remaining: 0 },
    });
    for (const client of clients) {
      await client.waitFor((frames) => frames.length >= 1);
    }
    // A moment for any duplicate to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const client of clients) {
      expect(client.received).toHaveLength(1);
      expect(JSON.parse(client.received[0] ?? '{}')).toMatchObject({
        type: 'resume',
        runId: summary.runId,
        suspendRunId: 'suspend-e2e',
      });
      const item = await read(client.connectionId);
      expect(item).toMatchObject({ status: 'active' });
      expect(item).not.toHaveProperty('suspendedBy');
    }
    for (const connectionId of lost) {
      expect(await read(connectionId)).toBeUndefined();
    }
    const record = await documentClient.send(
      new GetCommand({ TableName: stack.runsTable, Key: { runId: String(summary.runId) } }),
    );
    expect(record.Item).toMatchObject({
      state: 'completed',
      outcome: 'errors',
      counts: { gone: 5 },
    });

    const again = await invokeRun(fixture.invokeTarget, 'resume');
    expect(again).toMatchObject({ outcome: 'none', counts: { total: 0 } });
  });
});
