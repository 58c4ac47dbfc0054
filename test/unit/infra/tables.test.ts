import { describe, expect, it } from 'vitest';
import { connectionsTable, runsTable, wsChannelsTables } from '../../../infra/index.js';

// The tables' description: the registry's keys and the suspended index as the runs query them
// (DESIGN "Data"); every renderer takes these.

describe('the tables ws-channels adds', () => {
  it('keys connections by connectionId, with a sparse index on suspendShard sorted by connectionId', () => {
    // Act
    const table = connectionsTable('suspended');
    // Assess
    expect(table.partitionKey).toEqual({ name: 'connectionId', type: 'S' });
    expect(table.globalIndexes).toEqual([
      {
        name: 'suspended',
        partitionKey: { name: 'suspendShard', type: 'N' },
        sortKey: { name: 'connectionId', type: 'S' },
        projection: {
          type: 'INCLUDE',
          nonKeyAttributes: [
            'suspendedBy',
            'suspendedAt',
            'resumeAttempts',
            'lastAttemptRun',
            'frameKey',
          ],
        },
      },
    ]);
  });

  it('keys runs by runId; both expire by expiresAt, on demand, encrypted with the AWS managed key', () => {
    // Act
    const tables = wsChannelsTables();
    // Assess
    expect(runsTable.partitionKey).toEqual({ name: 'runId', type: 'S' });
    expect(runsTable.globalIndexes).toEqual([]);
    expect(tables.map(({ id }) => id)).toEqual(['connections', 'runs']);
    for (const table of tables) {
      expect(table).toMatchObject({
        timeToLiveAttribute: 'expiresAt',
        billing: 'on-demand',
        encryption: 'aws-managed-key',
      });
    }
    expect(connectionsTable().globalIndexes[0]?.name).toBe('suspended');
  });
});
