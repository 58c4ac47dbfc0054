import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { invokeRun } from '../../scripts/lib/invoke.js';
import {
  type ChattyClient,
  chattyClient,
  endChattyClient,
  sendThroughout,
} from '../support/chatty-clients.js';
import { type DeploymentRecord, playDeployment } from '../support/codedeploy-driver.js';
import { useLocalStackWithCodeDeploy } from '../support/stack-fixture.js';
import { waitUntil } from '../support/ws-clients.js';

// A deployment played as CodeDeploy plays it (test/support/codedeploy-driver.ts), against the
// local stack, while real `ws` clients with the client helper talk throughout: hooks invoked
// asynchronously, BeforeAllowTraffic delivered twice, AfterAllowTraffic's first invocation failed
// (CodeDeploy refuses its report through all the SDK's attempts) and retried; clients that connect
// during the window are refused and get in after resume. The stand-in $default echoes each
// message on the same connection as the control frames, so where an echo lands between a
// client's suspend and resume frames tells when $default handled it.

const earlyClients = 3;
const lateClients = 2;
const beatMs = 100;
const shiftMs = 2_000;
const waitMs = 30_000;

describe('a deployment driven as CodeDeploy drives it, with clients talking throughout', () => {
  const { localStack, codeDeploy } = useLocalStackWithCodeDeploy(
    {
      // serverless-offline prints each message it receives ("message:<text>").
      SLS_LOG_LEVEL: 'debug',
      // A failed Event invocation is an unhandled rejection in serverless-offline: a warning line
      // (what Lambda's retry follows), not the end of the stack.
      NODE_OPTIONS: '--unhandled-rejections=warn',
    },
    {
      // In one process: by default serverless-offline starts a worker thread (a cold start of a
      // fraction of a second of CPU) for every message that finds no idle one, and the burst of
      // held messages a resume lets go starts dozens at once on this 2-core machine.
      offlineArgs: ['--useInProcess'],
    },
  );

  it('ends Succeeded; no message reaches $default while its client is suspended, none lost, none twice, each client in order', async () => {
    // Prepare: clients connected before the deployment, talking on a common beat.
    const { stack, connect, invokeTarget: target } = localStack();
    const clients: ChattyClient[] = [];
    let beat: { stop(): void } | undefined;
    onTestFinished(() => {
      beat?.stop();
      for (const client of clients) endChattyClient(client);
    });
    for (let index = 1; index <= earlyClients; index++) {
      const { socket } = await connect();
      // A short keep-alive beat, so pings go out while suspended (they never reach $default).
      clients.push(chattyClient(`c${index}`, socket, { pingIntervalMs: 1_000 }));
    }
    // Warm: serverless-offline starts a worker thread (seconds of CPU here) for each invocation
    // that finds none idle, so the beat starts once a few $default workers and one worker of each
    // hook function (a dry run reads only) are up, not in a storm of cold starts.
    for (let round = 1; round <= 3; round++) {
      for (const client of clients) client.sendNext();
      await waitUntil(
        () => clients.every((client) => client.echoes().length >= round),
        'the echoes of the warm-up messages',
        waitMs,
      );
    }
    for (const name of ['suspend', 'resume'] as const) {
      await invokeRun(target, name, { dryRun: true });
    }
    beat = sendThroughout(() => clients, beatMs);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Act: the deployment; during the shift, new clients connect and are refused.
    const deploymentId = 'd-E2EDRIVE1';
    codeDeploy().failNextCallsFor(`${deploymentId}-AfterAllowTraffic`, 6);
    const deployment = await playDeployment({
      target,
      codeDeploy: codeDeploy(),
      output: stack.output,
      deploymentId,
      // The shift lasts a moment (at least shiftMs), and longer if the new clients are slow to be
      // refused twice each.
      shiftTraffic: async () => {
        const shiftEnds = Date.now() + shiftMs;
        for (let index = 1; index <= lateClients; index++) {
          const late = chattyClient(`n${index}`, () => new WebSocket(stack.websocketUrl), {
            retry: { firstDelayMs: 200, maxDelayMs: 1_000 },
          });
          clients.push(late);
        }
        await waitUntil(
          () => clients.filter(isLate).every((client) => client.refused >= 2),
          'two refused connects for each new client',
          waitMs,
        );
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, shiftEnds - Date.now())));
      },
    });
    await waitUntil(
      () => clients.every((client) => client.helper.socket.readyState === WebSocket.OPEN),
      'the new clients to get in',
      waitMs,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    beat.stop();
    await waitUntil(
      () => clients.every((client) => client.echoes().length >= client.sent.length),
      'the echo of every message',
      waitMs,
    );
    // A moment for any duplicate to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess: the deployment, as CodeDeploy would see it.
    report(deployment, clients, stack.output());
    expect(deployment).toMatchObject({ finalState: 'Succeeded', rolledBack: false });
    const [before, after] = deployment.hooks;
    expect(before).toMatchObject({ status: 'Succeeded', statusCalls: 1, failedInvocations: 0 });
    expect(before?.deliveries.map((delivery) => delivery.kind)).toEqual(['first', 'duplicate']);
    expect(after).toMatchObject({ status: 'Succeeded', statusCalls: 1, failedInvocations: 1 });
    expect(after?.deliveries.map((delivery) => delivery.kind)).toEqual(['first', 'retry']);
    expect(codeDeploy().rejected.map((call) => call.errorType)).toEqual(
      Array(6).fill('InternalFailure'),
    );

    // Assess: every message reached $default once, each client's in the order sent.
    const output = stack.output();
    const serverReceived = [...output.matchAll(/message:(drive-([a-z0-9]+)-\d{4})/g)];
    for (const client of clients) {
      const ids = client.sent.map((message) => message.id);
      expect(
        serverReceived.filter((match) => match[2] === client.name).map((match) => match[1]),
      ).toEqual(ids);
      expect(
        client
          .echoes()
          .map((echo) => echo.id)
          .sort(),
      ).toEqual(ids);
    }

    // Assess: no message was handled while its client was suspended. Its echo is posted on the
    // same connection as the frames: one that lands between suspend and resume was handled then,
    // and must be one the client sent before it got the suspend frame (in flight); everything
    // sent after it was held by the helper, went out after resume, and was echoed after it.
    const resumeFirstDelivered = after?.deliveries[0]?.at ?? 0;
    for (const client of clients) {
      const sentById = new Map(client.sent.map((message) => [message.id, message]));
      const suspends = client.timeline.filter((entry) => entry.kind === 'suspend');
      const resumes = client.timeline.filter((entry) => entry.kind === 'resume');
      if (isLate(client)) {
        expect([suspends.length, resumes.length]).toEqual([0, 0]);
        expect(client.refused).toBeGreaterThanOrEqual(2);
        expect(client.echoes().every((echo) => echo.at >= resumeFirstDelivered)).toBe(true);
        continue;
      }
      expect(resumes).toEqual([expect.objectContaining({ reason: 'frame' })]);
      expect(suspends).toHaveLength(1);
      const suspendAt = client.timeline.findIndex((entry) => entry.kind === 'suspend');
      const resumeAt = client.timeline.findIndex((entry) => entry.kind === 'resume');
      expect(suspendAt).toBeLessThan(resumeAt);
      client.timeline.forEach((entry, position) => {
        if (entry.kind !== 'echo' || position < suspendAt || position > resumeAt) return;
        expect(sentById.get(entry.id)).toMatchObject({ stateAtSend: 'active', held: false });
      });
      const whileSuspended = client.sent.filter((message) => message.stateAtSend === 'suspended');
      expect(whileSuspended.length).toBeGreaterThan(0);
      expect(whileSuspended.every((message) => message.held)).toBe(true);
      expect(resumes[0]).toMatchObject({ flushed: whileSuspended.length });
      const echoedAt = new Map(
        client.timeline.map((entry, position) => [entry.kind === 'echo' ? entry.id : '', position]),
      );
      for (const message of whileSuspended) {
        expect(echoedAt.get(message.id)).toBeGreaterThan(resumeAt);
      }
    }
    // Keep-alive pings went out while suspended and none came back: they never reach $default.
    expect(output).toContain('message:{"action":"ws-channels.ping"}');
  });
});

const isLate = (client: ChattyClient) => client.name.startsWith('n');

/** The deployment's final state and the counts, as a small table in the test's output. */
function report(deployment: DeploymentRecord, clients: ChattyClient[], output: string): void {
  const header = [
    'client',
    'sent',
    'handled',
    'held: suspended',
    'held: refused',
    'in flight',
    'refused connects',
  ];
  const rows = clients.map((client) => {
    const suspendAt = client.timeline.findIndex((entry) => entry.kind === 'suspend');
    const resumeAt = client.timeline.findIndex((entry) => entry.kind === 'resume');
    return [
      client.name,
      client.sent.length,
      new Set(client.echoes().map((echo) => echo.id)).size,
      client.sent.filter((message) => message.stateAtSend === 'suspended').length,
      isLate(client) ? client.sent.filter((message) => message.held).length : 0,
      // Sent before the suspend frame came, echoed after it: handled as the frame went out.
      client.timeline.filter(
        (entry, position) => entry.kind === 'echo' && position > suspendAt && position < resumeAt,
      ).length,
      client.refused,
    ];
  });
  const totals = header
    .slice(1)
    .map((_, column) => rows.reduce((sum, row) => sum + Number(row[column + 1]), 0));
  const line = (values: unknown[]) => values.map((value) => String(value).padEnd(17)).join('');
  const pings = output.split('message:{"action":"ws-channels.ping"}').length - 1;
  console.info(
    [
      `Deployment ${deployment.deploymentId}: ${deployment.finalState}${deployment.rolledBack ? ', rolled back' : ''} (${deployment.finishedAt - deployment.startedAt} ms)`,
      ...deployment.hooks.map(
        (hook) =>
          `  ${hook.hook}: ${hook.status ?? 'no status'}, ${hook.statusCalls} status call(s); deliveries: ${hook.deliveries.map((delivery) => delivery.kind).join(', ')}; failed invocations: ${hook.failedInvocations}`,
      ),
      `  keep-alive pings received (none reach $default): ${pings}`,
      line(header),
      ...rows.map(line),
      line(['all', ...totals]),
    ].join('\n'),
  );
}
