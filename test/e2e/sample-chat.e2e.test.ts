import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { ChannelsClient, withChannelsKey } from '../../client/index.js';
import { sampleChatApp, useChatExample } from '../support/chat-example.js';
import {
  type ChatMember,
  chatMember,
  expectNothingHandledWhileSuspended,
} from '../support/chat-members.js';
import { endChannelsClient } from '../support/chatty-clients.js';
import type { DeploymentRecord } from '../support/codedeploy-driver.js';
import { playSiblingDeployments } from '../support/sibling-deployments.js';
import { useCodeDeployEmulator } from '../support/stack-fixture.js';
import { waitUntil } from '../support/ws-clients.js';

// AWS's sample chat with ws-channels (examples/sample-chat): a function per route (onconnect,
// ondisconnect, sendmessage), its own connections table, sendmessage relaying the raw `data` to
// every member. Installed from the packed tarball and run in serverless-offline, it goes through
// one stack update as CloudFormation and CodeDeploy play it: three deployment groups, one per
// function, each with its own suspend, shift and resume, side by side. The relay posts the
// sender's own copy on the connection that carries the frames, so where that copy lands between
// the sender's suspend and resume frames tells when sendmessage handled the message.

const names = ['alice', 'bob', 'carol'];
const beatMs = 150;
const waitMs = 30_000;
/** The three groups, started a moment apart, their shifts ending in turn. */
const groups = [
  { deploymentId: 'd-SAMPLECONNECT', startAfterMs: 0, shiftMs: 1_000 },
  { deploymentId: 'd-SAMPLEDISCONNECT', startAfterMs: 150, shiftMs: 1_500 },
  { deploymentId: 'd-SAMPLESEND', startAfterMs: 300, shiftMs: 2_500 },
];

/** A member as the sample's page would be one, with the client helper over `ws`. */
function member(url: string, name: string): ChatMember {
  const helper = new ChannelsClient(() => new WebSocket(withChannelsKey(url)), {
    retry: { firstDelayMs: 200, maxDelayMs: 1_000 },
    pingIntervalMs: 1_000,
  });
  const client = chatMember(name, helper, (id) =>
    JSON.stringify({ action: 'sendmessage', data: id }),
  );
  // The relay posts the raw data: the sender's name is the id's first part.
  helper.addEventListener('message', (event) => {
    const id = String(event.detail);
    client.timeline.push({ kind: 'message', at: Date.now(), from: id.split('-')[0] ?? '', id });
  });
  return client;
}

/** The ids sendmessage received, in the order serverless-offline printed them. */
const receivedIds = (output: string): string[] =>
  [...output.matchAll(/message:\{"action":"sendmessage","data":"([a-z]+-\d{4})"\}/g)].map(
    (match) => match[1] ?? '',
  );

describe('the sample chat (a function per route) through a deployment of its three groups', () => {
  // Before the example's fixture: the emulator starts before the stack and stops after it.
  const codeDeploy = useCodeDeployEmulator();
  const chat = useChatExample({
    app: sampleChatApp,
    environment: () => ({
      AWS_ENDPOINT_URL_CODEDEPLOY: codeDeploy().endpoint,
      // serverless-offline prints each message it receives ("message:<text>").
      SLS_LOG_LEVEL: 'debug',
    }),
  });

  it('suspends once and resumes after the last group shifted; each hook one status; nothing lost, nothing handled while its sender was suspended, each sender in order', async () => {
    // Prepare: the members connect, then talk on a common beat.
    const example = chat();
    const members = names.map((name) => member(example.websocketUrl, name));
    onTestFinished(() => {
      for (const client of members) endChannelsClient(client.helper);
    });
    await waitUntil(
      async () => (await example.registry()).length === members.length,
      'every member in the registry',
      waitMs,
    );
    // Warm: the first message of each loads sendmessage; the next beat starts once all came back.
    for (const client of members) client.sendNext();
    await waitUntil(
      () => members.every((client) => client.messages().length >= members.length),
      'the warm-up messages',
      waitMs,
    );
    const beat = setInterval(() => {
      for (const client of members) client.sendNext();
    }, beatMs);
    onTestFinished(() => clearInterval(beat));
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Act: one stack update, three deployment groups side by side.
    const deployments = await playSiblingDeployments({
      target: example.invokeTarget,
      codeDeploy: codeDeploy(),
      output: example.output,
      groups: groups.map(({ deploymentId, startAfterMs, shiftMs }) => ({
        deploymentId,
        startAfterMs,
        shiftTraffic: () => new Promise((resolve) => setTimeout(resolve, shiftMs)),
      })),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    clearInterval(beat);
    const everyId = members.flatMap((client) => client.sent.map((message) => message.id));
    await waitUntil(
      () => members.every((client) => client.messages().length >= everyId.length),
      'every member to get every message',
      waitMs,
    );
    // A moment for any duplicate to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const runs = await example.runs();
    console.info(describeDeployments(deployments, runs));

    // Assess: every hook of every group got exactly one status, Succeeded, for its own execution.
    expect(deployments.map((deployment) => deployment.finalState)).toEqual(
      groups.map(() => 'Succeeded'),
    );
    for (const deployment of deployments) {
      expect(deployment.hooks.map((hook) => [hook.hook, hook.status, hook.statusCalls])).toEqual([
        ['BeforeAllowTraffic', 'Succeeded', 1],
        ['AfterAllowTraffic', 'Succeeded', 1],
      ]);
    }
    const calls = codeDeploy().calls;
    expect(calls).toHaveLength(groups.length * 2);
    for (const call of calls) {
      expect(call.lifecycleEventHookExecutionId.startsWith(`${call.deploymentId}-`)).toBe(true);
    }
    expect(
      codeDeploy().rejected.filter(
        (rejected) => rejected.errorType !== 'LifecycleEventAlreadyCompletedException',
      ),
    ).toEqual([]);

    // Assess: one suspend suspended everyone; the resume of the last group to shift resumed
    // everyone, and the others left it to that one.
    const hookRuns = (kind: string) =>
      runs.filter((run) => run.kind === kind && run.trigger === 'codedeploy');
    const suspends = hookRuns('suspend');
    const resumes = hookRuns('resume');
    expect(suspends.map((run) => run.deploymentId).sort()).toEqual(
      groups.map((group) => group.deploymentId).sort(),
    );
    expect(suspends.map((run) => countsOf(run).delivered).sort()).toEqual([0, 0, members.length]);
    // The group whose shift ended last: its AfterAllowTraffic came last.
    const afterAllowTrafficAt = (deployment: DeploymentRecord | undefined) =>
      deployment?.hooks[1]?.deliveries[0]?.at ?? Number.POSITIVE_INFINITY;
    const lastShifted = [...deployments].sort(
      (a, b) => afterAllowTrafficAt(b) - afterAllowTrafficAt(a),
    )[0];
    const resumedEveryone = resumes.filter((run) => countsOf(run).delivered > 0);
    expect(resumedEveryone.map((run) => run.deploymentId)).toEqual([lastShifted?.deploymentId]);
    expect(countsOf(resumedEveryone[0]).delivered).toBe(members.length);
    const leftToSiblings = resumes.filter((run) => Array.isArray(run.siblingDeployments));
    expect(leftToSiblings).toHaveLength(groups.length - 1);

    // Assess: sendmessage received each sender's messages once, in the order sent; every member
    // got every message once (the copies' order across senders is not promised: one invocation
    // per message, side by side).
    const received = receivedIds(example.output());
    for (const sender of members) {
      const ids = sender.sent.map((message) => message.id);
      expect(
        received.filter((id) => id.startsWith(`${sender.name}-`)),
        `${sender.name}'s messages as sendmessage received them`,
      ).toEqual(ids);
      for (const recipient of members) {
        expect(
          recipient
            .messages()
            .map((message) => message.id)
            .filter((id) => id.startsWith(`${sender.name}-`))
            .sort(),
          `${sender.name}'s messages as ${recipient.name} got them`,
        ).toEqual(ids);
      }
    }

    // Assess: each member suspended once and resumed once, after the last group shifted; nothing
    // handled while its sender was suspended but what was in flight when the suspend frame came;
    // what was sent while suspended was held and handled after resume.
    const lastShiftAt = afterAllowTrafficAt(lastShifted);
    for (const client of members) {
      const { resumeAt } = expectNothingHandledWhileSuspended(client);
      expect(client.timeline[resumeAt]?.at, `${client.name}'s resume`).toBeGreaterThanOrEqual(
        lastShiftAt,
      );
    }

    // Assess: ws-channels' registry is back to every member active; the app's table untouched.
    const registry = await example.registry();
    expect(registry.map((item) => item.status)).toEqual(names.map(() => 'active'));
  });
});

const countsOf = (run: Record<string, unknown> | undefined) =>
  (run?.counts ?? {}) as { delivered: number };

/** The groups' hooks and the runs they made, as a small table in the test's output. */
function describeDeployments(
  deployments: readonly DeploymentRecord[],
  runs: ReadonlyArray<Record<string, unknown>>,
): string {
  const runOf = (deploymentId: string, kind: string) =>
    runs.find(
      (run) =>
        run.deploymentId === deploymentId && run.kind === kind && run.trigger === 'codedeploy',
    );
  return [
    'deployment           hook                status     calls  run outcome  delivered  siblings                                counts',
    ...deployments.flatMap((deployment) =>
      deployment.hooks.map((hook) => {
        const run = runOf(
          deployment.deploymentId,
          hook.hook === 'BeforeAllowTraffic' ? 'suspend' : 'resume',
        );
        return [
          deployment.deploymentId.padEnd(21),
          hook.hook.padEnd(20),
          String(hook.status).padEnd(11),
          String(hook.statusCalls).padEnd(7),
          String(run?.outcome).padEnd(13),
          String(countsOf(run).delivered ?? '').padEnd(11),
          JSON.stringify(run?.siblingDeployments ?? []).padEnd(40),
          JSON.stringify(run?.counts ?? {}),
        ].join('');
      }),
    ),
  ].join('\n');
}
