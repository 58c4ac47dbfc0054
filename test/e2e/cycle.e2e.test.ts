import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { shardOf } from '../../functions/core/registry/pages.js';
import { invokeRun } from '../../scripts/lib/invoke.js';
import { useLocalStackWithCodeDeploy } from '../support/stack-fixture.js';
import { type TestClient, waitUntil } from '../support/ws-clients.js';

// The whole deployment cycle in serverless-offline, driven as CodeDeploy drives it: suspend as
// the BeforeAllowTraffic hook, resume as the AfterAllowTraffic hook, each reporting its status
// to the CodeDeploy emulator behind AWS_ENDPOINT_URL_CODEDEPLOY.

const typesOf = (client: TestClient) =>
  client.received.map((frame) => (JSON.parse(frame) as { type: string }).type);

describe('the deployment cycle in the local stack, as CodeDeploy hooks', () => {
  // allow: the 3 clients that connect mid-window get in (with hold, $connect refuses them until
  // the window closes: window.e2e.test.ts), so the cycle's rule for them can be seen.
  const { localStack, codeDeploy } = useLocalStackWithCodeDeploy({
    WS_CHANNELS_NEW_CONNECTIONS_DURING_DEPLOYMENT: 'allow',
  });

  it('suspends 30, resumes the 25 still open, never touches the 3 new (allow), deletes the 4 lost', async () => {
    const { stack, documentClient, read, connect, invokeTarget: target } = localStack();
    const deploymentId = 'd-E2ECYCLE1';
    const clients: TestClient[] = [];
    for (let index = 0; index < 30; index++) clients.push(await connect());

    const suspend = await invokeRun(target, 'suspend', {
      DeploymentId: deploymentId,
      LifecycleEventHookExecutionId: 'hook-before',
    });
    expect(suspend).toMatchObject({
      kind: 'suspend',
      trigger: 'codedeploy',
      outcome: 'ok',
      state: 'completed',
      counts: { total: 30, delivered: 30 },
    });
    await Promise.all(clients.map((client) => client.waitFor((frames) => frames.length >= 1)));

    const closed = clients.slice(0, 5);
    const open = clients.slice(5);
    for (const client of closed) await client.close();
    for (const client of closed) {
      await waitUntil(
        async () => !(await read(stack.connectionsTable, { connectionId: client.connectionId })),
        'the closed connection to leave the registry',
      );
    }
    const lost = Array.from({ length: 4 }, (_, index) => `lostDisconnect${index}=`);
    for (const connectionId of lost) {
      await documentClient.send(
        new PutCommand({
          TableName: stack.connectionsTable,
          Item: {
            connectionId,
            status: 'suspended',
            connectedAt: Date.now() - 120_000,
            suspendedBy: String(suspend.runId),
            suspendedAt: new Date().toISOString(),
            suspendShard: shardOf(connectionId, 16),
          },
        }),
      );
    }
    const late: TestClient[] = [];
    for (let index = 0; index < 3; index++) late.push(await connect());

    const resume = await invokeRun(target, 'resume', {
      DeploymentId: deploymentId,
      LifecycleEventHookExecutionId: 'hook-after',
    });
    expect(resume).toMatchObject({
      kind: 'resume',
      trigger: 'codedeploy',
      state: 'completed',
      outcome: 'errors',
      counts: { total: 29, delivered: 25, gone: 4, timedOut: 0, failed: 0 },
      hookStatus: 'Succeeded',
    });
    await Promise.all(open.map((client) => client.waitFor((frames) => frames.length >= 2)));
    // A moment for any duplicate to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));

    for (const client of closed) expect(typesOf(client)).toEqual(['suspend']);
    for (const client of open) {
      expect(typesOf(client)).toEqual(['suspend', 'resume']);
      expect(JSON.parse(client.received[1] ?? '{}')).toMatchObject({
        runId: resume.runId,
        suspendRunId: suspend.runId,
        deploymentId,
      });
      expect(
        await read(stack.connectionsTable, { connectionId: client.connectionId }),
      ).toMatchObject({ status: 'active' });
    }
    for (const client of late) {
      expect(client.received).toEqual([]);
      expect(
        await read(stack.connectionsTable, { connectionId: client.connectionId }),
      ).toMatchObject({ status: 'active' });
    }
    for (const connectionId of lost) {
      expect(await read(stack.connectionsTable, { connectionId })).toBeUndefined();
    }
    for (const run of [suspend, resume]) {
      expect(await read(stack.runsTable, { runId: String(run.runId) })).toMatchObject({
        state: 'completed',
        deploymentId,
        trigger: 'codedeploy',
      });
    }
    expect(codeDeploy().calls.map(({ at: _at, ...call }) => call)).toEqual([
      { deploymentId, lifecycleEventHookExecutionId: 'hook-before', status: 'Succeeded' },
      { deploymentId, lifecycleEventHookExecutionId: 'hook-after', status: 'Succeeded' },
    ]);
  });

  it("resumes everyone after a deployment stopped past its suspend: the next deployment's resume asks CodeDeploy (GetDeployment) and does not wait for the dead one", async () => {
    const { connect, invokeTarget: target } = localStack();
    const clients: TestClient[] = [];
    for (let index = 0; index < 5; index++) clients.push(await connect());
    const stopped = 'd-E2ESTOPPED';
    const next = 'd-E2ENEXT';
    codeDeploy().setDeploymentStatus(stopped, 'Stopped');
    codeDeploy().setDeploymentStatus(next, 'InProgress');

    await invokeRun(target, 'suspend', {
      DeploymentId: stopped,
      LifecycleEventHookExecutionId: 'hook-before-stopped',
    });
    // CodeDeploy stopped it after its suspend: its AfterAllowTraffic never comes.
    await invokeRun(target, 'suspend', {
      DeploymentId: next,
      LifecycleEventHookExecutionId: 'hook-before-next',
    });
    const resume = await invokeRun(target, 'resume', {
      DeploymentId: next,
      LifecycleEventHookExecutionId: 'hook-after-next',
    });

    expect(resume).toMatchObject({ kind: 'resume', state: 'completed', hookStatus: 'Succeeded' });
    expect(codeDeploy().deploymentQueries).toContain(stopped);
    await Promise.all(
      clients.map((client) => client.waitFor(() => typesOf(client).includes('resume'))),
    );
    for (const client of clients) expect(typesOf(client).at(-1)).toBe('resume');
  });
});
