import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import {
  type CodeDeployEmulator,
  startCodeDeployEmulator,
} from '../support/codedeploy-emulator.js';
import { type DeployedHandler, importDeployedResume } from '../support/deployed-handler.js';
import type { Behaviour } from '../support/management-api-behaviours.js';
import {
  type ManagementApiEmulator,
  startManagementApiEmulator,
} from '../support/management-api-emulator.js';
import { seedConnections, suspendedItem } from '../support/seed.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

// The resume Lambda's handler, as deployed (functions/handlers/resume.ts), against DynamoDB Local, a
// Management API emulator answering each connection its own way, and a CodeDeploy emulator.

const mix: Array<[Behaviour, number]> = [
  ['goneEmpty', 30],
  ['gone', 30],
  ['throttleOnce', 20],
  ['error', 10],
  ['hang', 5],
  ['forbidden', 5],
];
const okCount = 1_000 - mix.reduce((sum, [, count]) => sum + count, 0);
const ids: Array<{ id: string; behaviour: Behaviour }> = [
  ...Array.from({ length: okCount }, (_, index) => ({
    id: `ok-${index}=`,
    behaviour: 'ok' as const,
  })),
  ...mix.flatMap(([behaviour, count]) =>
    Array.from({ length: count }, (_, index) => ({ id: `${behaviour}-${index}=`, behaviour })),
  ),
];
const behaviourOf = new Map(ids.map(({ id, behaviour }) => [id, behaviour]));
const idsWith = (...behaviours: Behaviour[]) =>
  ids.filter(({ behaviour }) => behaviours.includes(behaviour)).map(({ id }) => id);

const context = {
  functionName: 'ws-channels-test-wsChannelsResume',
  awsRequestId: 'integration-1',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

describe('resume, as deployed, over 1,000 suspended connections', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  let managementApi: ManagementApiEmulator;
  let codeDeploy: CodeDeployEmulator;
  let handler: DeployedHandler;
  let restoreEnvironment = () => {};

  const dynamodb = useTestTables();
  beforeAll(async () => {
    const { endpoint } = dynamodb;
    ({ client, tables } = dynamodb);
    managementApi = await startManagementApiEmulator({
      behaviourOf: (id) => behaviourOf.get(id) ?? 'ok',
      recordFrames: true,
    });
    codeDeploy = await startCodeDeployEmulator();
    await seedConnections(client, tables.connectionsTable, [
      ...ids.map(({ id }) => suspendedItem(id, 'suspend-before')),
      // Active connections are not the resume's business.
      ...Array.from({ length: 10 }, (_, index) => ({
        connectionId: `active-${index}=`,
        status: 'active' as const,
      })),
    ]);
    ({ handler, restoreEnvironment } = await importDeployedResume(tables, {
      dynamodb: endpoint,
      websocket: managementApi.endpoint,
      codeDeploy: codeDeploy.endpoint,
    }));
  });

  afterAll(async () => {
    restoreEnvironment();
    await managementApi?.stop();
    await codeDeploy?.stop();
  });

  const read = (connectionId: string) =>
    documentClientFrom({ client })
      .send(new GetCommand({ TableName: tables.connectionsTable, Key: { connectionId } }))
      .then((output) => output.Item);

  it('resumes, deletes or keeps each connection as it answered, and reports once to CodeDeploy', async () => {
    const summary = await handler(
      { DeploymentId: 'd-INTEGRATION', LifecycleEventHookExecutionId: 'hook-after' },
      context,
    );

    const delivered = idsWith('ok', 'throttleOnce');
    const stillSuspended = idsWith('error', 'hang', 'forbidden');
    expect(summary).toMatchObject({
      state: 'completed',
      outcome: 'errors',
      hookStatus: 'Succeeded',
      counts: {
        total: 1_000,
        delivered: delivered.length,
        gone: 60,
        timedOut: 5,
        throttled: 0,
        failed: 15,
        remaining: 0,
      },
    });
    expect(codeDeploy.calls.map(({ at: _at, ...call }) => call)).toEqual([
      {
        deploymentId: 'd-INTEGRATION',
        lifecycleEventHookExecutionId: 'hook-after',
        status: 'Succeeded',
      },
    ]);
    for (const id of delivered) {
      expect(managementApi.deliveredTo(id), id).toBe(1);
      expect(JSON.parse(managementApi.framesTo(id)[0] ?? '{}')).toMatchObject({
        type: 'resume',
        suspendRunId: 'suspend-before',
        deploymentId: 'd-INTEGRATION',
      });
      const item = await read(id);
      expect(item?.status, id).toBe('active');
      expect(item).not.toHaveProperty('suspendShard');
    }
    for (const id of idsWith('gone', 'goneEmpty')) expect(await read(id), id).toBeUndefined();
    for (const id of stillSuspended) {
      expect(await read(id), id).toMatchObject({
        status: 'suspended',
        suspendedBy: 'suspend-before',
        resumeAttempts: 1,
        lastError: expect.stringMatching(/^(timedOut|failed|forbidden): /),
      });
    }
    for (let index = 0; index < 10; index++) {
      expect(managementApi.postsTo(`active-${index}=`)).toBe(0);
    }
    const record = await documentClientFrom({ client }).send(
      new GetCommand({ TableName: tables.runsTable, Key: { runId: String(summary.runId) } }),
    );
    expect(record.Item).toMatchObject({
      state: 'completed',
      outcome: 'errors',
      trigger: 'codedeploy',
      deploymentId: 'd-INTEGRATION',
      lifecycleEventHookExecutionId: 'hook-after',
      counts: { gone: 60, timedOut: 5, failed: 15 },
    });
    expect(record.Item?.failures).toHaveLength(20);

    // Run it again by hand: only the ones that failed are posted to.
    managementApi.reset();
    const again = await handler({}, context);

    expect(again).toMatchObject({
      trigger: 'manual',
      counts: { total: stillSuspended.length, delivered: 0, timedOut: 5, failed: 15 },
      outcome: 'errors',
    });
    expect(managementApi.stats().totalPosts).toBe(stillSuspended.length);
    for (const id of stillSuspended) expect(managementApi.postsTo(id), id).toBe(1);
    expect(await read(stillSuspended[0] ?? '')).toMatchObject({ resumeAttempts: 2 });
    expect(codeDeploy.calls).toHaveLength(1);
  });
});
