import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { withChannelsKey } from '../../client/index.js';
import { type ChattyClient, chattyClient, startTalking } from '../support/chatty-clients.js';
import { playDeployment } from '../support/codedeploy-driver.js';
import { reportDeployment } from '../support/deployment-report.js';
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

  const play = (deploymentId: string, shiftTraffic: () => Promise<void>) =>
    playDeployment({
      target: localStack().invokeTarget,
      codeDeploy: codeDeploy(),
      output: localStack().stack.output,
      deploymentId,
      shiftTraffic,
    });

  it('ends Succeeded; no message reaches $default while its client is suspended, none lost, none twice, each client in order', async () => {
    // Prepare: clients connected before the deployment, talking on a common beat.
    const { stack } = localStack();
    const { clients, beat } = await startTalking(localStack(), earlyClients, 'c');

    // Act: the deployment; during the shift, new clients connect and are refused.
    const deploymentId = 'd-E2EDRIVE1';
    codeDeploy().failNextCallsFor(`${deploymentId}-AfterAllowTraffic`, 6);
    // The shift lasts a moment (at least shiftMs), and longer if the new clients are slow to be
    // refused twice each.
    const deployment = await play(deploymentId, async () => {
      const shiftEnds = Date.now() + shiftMs;
      for (let index = 1; index <= lateClients; index++) {
        const late = chattyClient(
          `n${index}`,
          () => new WebSocket(withChannelsKey(stack.websocketUrl)),
          {
            retry: { firstDelayMs: 200, maxDelayMs: 1_000 },
          },
        );
        late.late = true;
        clients.push(late);
      }
      await waitUntil(
        () => clients.filter(isLate).every((client) => client.refused >= 2),
        'two refused connects for each new client',
        waitMs,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, shiftEnds - Date.now())));
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
    reportDeployment(deployment, clients, stack.output());
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
      // Every socket had its frame key: no ChannelsKeyMissingError, no failed send.
      expect(client.errors).toEqual([]);
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

  // Last: it leaves its clients suspended and the window open, as a deployment whose hook never
  // reports leaves them until resumeBy.
  it('ends Failed and rolled back when BeforeAllowTraffic never gets a status: no shift, no AfterAllowTraffic, nothing from a suspended client reaches $default', async () => {
    const { stack } = localStack();
    const { clients, beat } = await startTalking(localStack(), 2, 'f');
    const deploymentId = 'd-E2EDRIVE2';
    // CodeDeploy's API is down through every attempt (6) of every invocation (the first and
    // Lambda's two retries): the suspend runs, but its status never gets in. CodeDeploy would fail
    // the hook after an hour and roll back; the driver records that when Lambda gives up.
    codeDeploy().failNextCallsFor(`${deploymentId}-BeforeAllowTraffic`, 18);
    let shifted = false;
    const deployment = await play(deploymentId, async () => {
      shifted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    beat.stop();
    // Long enough for an echo to come back had a held message got through.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    reportDeployment(deployment, clients, stack.output());
    expect(deployment).toMatchObject({
      finalState: 'Failed',
      rolledBack: true,
      trafficShiftedAt: undefined,
    });
    expect(shifted).toBe(false);
    expect(deployment.hooks).toEqual([
      expect.objectContaining({
        hook: 'BeforeAllowTraffic',
        status: undefined,
        statusCalls: 0,
        failedInvocations: 3,
      }),
    ]);
    expect(deployment.hooks[0]?.deliveries.map((delivery) => delivery.kind)).toEqual([
      'first',
      'duplicate',
      'retry',
      'retry',
    ]);
    const output = stack.output();
    for (const client of clients) {
      expect(client.helper.state).toBe('suspended');
      expect(client.timeline.filter((entry) => entry.kind === 'resume')).toEqual([]);
      const held = client.sent.filter((message) => message.stateAtSend === 'suspended');
      expect(held.length).toBeGreaterThan(0);
      expect(client.helper.queued).toBe(held.length);
      for (const message of held) expect(output).not.toContain(`message:${message.id}`);
      const echoed = new Set(client.echoes().map((echo) => echo.id));
      expect(held.filter((message) => echoed.has(message.id))).toEqual([]);
    }
  });
});

const isLate = (client: ChattyClient) => client.late;
