import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import {
  type CodeDeployEmulator,
  startCodeDeployEmulator,
} from '../support/codedeploy-emulator.js';
import { type DeployedHandler, importDeployedResume } from '../support/deployed-handler.js';
import {
  type ManagementApiEmulator,
  startManagementApiEmulator,
} from '../support/management-api-emulator.js';
import { seedConnections, suspendedItem } from '../support/seed.js';
import type { TestTables } from '../support/tables.js';
import { useTestTables } from '../support/test-tables.js';

// The resume Lambda's handler, as deployed, delivered the same CodeDeploy hook event more than
// once, against DynamoDB Local, a Management API emulator, and a CodeDeploy emulator that drops
// the answer of the first status call it accepts (the status is in, the caller does not know).

const context = {
  functionName: 'ws-channels-test-wsChannelsResume',
  awsRequestId: 'integration-hooks',
  getRemainingTimeInMillis: () => 900_000,
} as unknown as Context;

describe('resume, as deployed, with repeat deliveries of a hook', () => {
  let client: DynamoDBClient;
  let tables: TestTables;
  let managementApi: ManagementApiEmulator;
  let codeDeploy: CodeDeployEmulator;
  let handler: DeployedHandler;
  let restoreEnvironment = () => {};
  const ids = Array.from({ length: 50 }, (_, index) => `conn-${index}=`);
  const hookEvent = (hookId: string) => ({
    DeploymentId: 'd-HOOKS',
    LifecycleEventHookExecutionId: hookId,
  });
  const readHookExecution = (hookId: string) =>
    documentClientFrom({ client })
      .send(new GetCommand({ TableName: tables.runsTable, Key: { runId: `hook#${hookId}` } }))
      .then((output) => output.Item);

  const dynamodb = useTestTables();
  beforeAll(async () => {
    const { endpoint } = dynamodb;
    ({ client, tables } = dynamodb);
    managementApi = await startManagementApiEmulator({ behaviourOf: () => 'ok' });
    codeDeploy = await startCodeDeployEmulator({ dropAnswers: 1 });
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

  afterEach(() => {
    // The next test's first accepted call loses its answer too.
    codeDeploy.reset();
    managementApi.reset();
  });

  const suspendAll = () =>
    seedConnections(
      client,
      tables.connectionsTable,
      ids.map((id) => suspendedItem(id, 'suspend-before')),
    );

  it('a lost answer is retried by the SDK, told AlreadyCompleted, and the invocation succeeds; a repeat returns the stored summary', async () => {
    await suspendAll();

    const summary = await handler(hookEvent('hook-lost-answer'), context);
    const repeat = await handler(hookEvent('hook-lost-answer'), context);

    expect(summary).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded' });
    expect(repeat).toEqual(summary);
    expect(codeDeploy.calls.map((call) => call.status)).toEqual(['Succeeded']);
    expect(codeDeploy.dropped).toHaveLength(1);
    expect(codeDeploy.rejected.map((call) => call.errorType)).toEqual([
      'LifecycleEventAlreadyCompletedException',
    ]);
    expect(managementApi.stats().totalPosts).toBe(ids.length);
    expect(await readHookExecution('hook-lost-answer')).toMatchObject({
      execution: 'reported',
      hookStatus: 'Succeeded',
      deploymentId: 'd-HOOKS',
      response: { runId: summary.runId, counts: { delivered: ids.length } },
    });
  });

  it('two deliveries at once: one runs and reports, the other answers that it is a repeat', async () => {
    await suspendAll();

    const responses = await Promise.all([
      handler(hookEvent('hook-twice'), context),
      handler(hookEvent('hook-twice'), context),
    ]);

    const ran = responses.filter((response) => response.repeat === undefined);
    const repeats = responses.filter((response) => response.repeat === 'in_progress');
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ outcome: 'ok', counts: { delivered: ids.length } });
    expect(repeats).toHaveLength(1);
    expect(repeats[0]).toMatchObject({
      state: 'running',
      lifecycleEventHookExecutionId: 'hook-twice',
    });
    expect(codeDeploy.calls.map((call) => call.status)).toEqual(['Succeeded']);
    expect(managementApi.stats().totalPosts).toBe(ids.length);
    for (const id of ids) expect(managementApi.deliveredTo(id), id).toBe(1);
  });
});
