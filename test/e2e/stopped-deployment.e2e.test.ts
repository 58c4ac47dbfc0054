import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { withChannelsKey } from '../../client/index.js';
import { startTalking } from '../support/chatty-clients.js';
import { playDeployment } from '../support/codedeploy-driver.js';
import { reportDeployment } from '../support/deployment-report.js';
import { useLocalStackWithCodeDeploy } from '../support/stack-fixture.js';
import { waitUntil } from '../support/ws-clients.js';

// Issue 17, item 2, on the local stack: a deployment that CodeDeploy stops during its shift (a
// canary's alarm rolls it back) after BeforeAllowTraffic succeeded never calls AfterAllowTraffic.
// EventBridge's "CodeDeploy Deployment State-change Notification" (STOP) goes to the resume
// function, as the rule ws-channels adds sends it. Before, the clients stayed suspended until
// their resumeBy (15 minutes), holding their users' messages, and new clients were refused.

const waitMs = 30_000;

describe('a deployment stopped during its shift (a canary rolled back after its suspend)', () => {
  const { localStack, codeDeploy } = useLocalStackWithCodeDeploy(
    { NODE_OPTIONS: '--unhandled-rejections=warn', SLS_LOG_LEVEL: 'debug' },
    { offlineArgs: ['--useInProcess'] },
  );

  it("resumes every client on EventBridge's STOP: held messages go out after the resume, none lost, and new clients get in", async () => {
    // Prepare: clients with the helper, talking on a beat.
    const { stack } = localStack();
    const { clients, beat } = await startTalking(localStack(), 3, 's');

    // Act: BeforeAllowTraffic, the shift, then CodeDeploy stops the deployment.
    const deployment = await playDeployment({
      target: localStack().invokeTarget,
      codeDeploy: codeDeploy(),
      output: stack.output,
      deploymentId: 'd-E2ESTOP1',
      shiftTraffic: async () => {
        // A moment of shift, long enough for messages to be held.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      },
      stopDuringShift: 'STOP',
    });
    await waitUntil(
      () => clients.every((client) => client.helper.state === 'active'),
      'every client to be resumed',
      waitMs,
    );
    beat.stop();
    await waitUntil(
      () => clients.every((client) => client.echoes().length >= client.sent.length),
      'the echo of every message',
      waitMs,
    );
    // A client that connects now gets in: the deployment window closed.
    const late = new WebSocket(withChannelsKey(stack.websocketUrl));
    const opened = await new Promise<boolean>((resolve) => {
      late.once('open', () => resolve(true));
      late.once('close', () => resolve(false));
      late.once('error', () => resolve(false));
    });
    late.close();

    // Assess: one status, for BeforeAllowTraffic; no AfterAllowTraffic.
    reportDeployment(deployment, clients, stack.output());
    expect(deployment.hooks).toEqual([
      expect.objectContaining({ hook: 'BeforeAllowTraffic', status: 'Succeeded', statusCalls: 1 }),
    ]);
    expect(deployment).toMatchObject({ finalState: 'Failed', rolledBack: true });
    // Every client got one suspend and one resume frame, the resume after the state change.
    const output = stack.output();
    for (const client of clients) {
      expect(client.errors).toEqual([]);
      const suspends = client.timeline.filter((entry) => entry.kind === 'suspend');
      const resumes = client.timeline.filter((entry) => entry.kind === 'resume');
      expect(suspends).toHaveLength(1);
      expect(resumes).toEqual([expect.objectContaining({ reason: 'frame' })]);
      const held = client.sent.filter((message) => message.stateAtSend === 'suspended');
      expect(held.length).toBeGreaterThan(0);
      expect(held.every((message) => message.held)).toBe(true);
      expect(resumes[0]).toMatchObject({ flushed: held.length });
      // Every message reached $default once, in the order sent.
      const ids = client.sent.map((message) => message.id);
      const received = [...output.matchAll(/message:(drive-([a-z0-9]+)-\d{4})/g)]
        .filter((match) => match[2] === client.name)
        .map((match) => match[1]);
      expect(received).toEqual(ids);
    }
    expect(opened).toBe(true);
    expect(output).toContain('"trigger":"deployment_ended"');
  });
});
