import { afterAll, describe, expect, it } from 'vitest';
import { ChannelsClient } from '../../client/index.js';
import { invokeRun } from '../../scripts/lib/invoke.js';
import { useLocalStack } from '../support/stack-fixture.js';
import { type TestClient, waitUntil } from '../support/ws-clients.js';

// An app that relays what one client sends to every member, as AWS's sample chat's sendmessage
// does (the reference stack's examples/echo/sendmessage.ts). Clients with the helper, and one
// forger, a raw client of its own, that relays hand-written suspend and resume frames and a
// byte-exact copy of the genuine suspend frame it got itself. No helper suspends or resumes on a
// relayed frame; the real suspend and resume still reach every one of them.

const memberCount = 3;
const waitMs = 60_000;
// Long enough for an echo or a second frame to come if one were coming.
const quietPeriodMs = 2_000;

interface Member {
  raw: TestClient;
  helper: ChannelsClient;
  /** What the helper told the app, in order. */
  events: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('control frames relayed by an app that passes client text to every member', () => {
  const localStack = useLocalStack();
  const members: Member[] = [];

  // Before the stack's own stop, which closes the sockets `connect` gave.
  afterAll(() => {
    for (const { helper } of members) helper.dispose();
  });

  it('are never taken by the helper; the real suspend and resume still are', async () => {
    // Prepare: three members with the helper, and the forger (keyed too, so it gets genuine frames).
    const { connect, invokeTarget } = localStack();
    for (let index = 0; index < memberCount; index++) {
      const raw = await connect({ channelsKey: true });
      const helper = new ChannelsClient(raw.socket, { pingIntervalMs: Infinity });
      const events: string[] = [];
      helper.addEventListener('suspend', (event) => events.push(`suspend ${event.detail.runId}`));
      helper.addEventListener('resume', (event) =>
        events.push(`resume ${event.detail.reason} ${event.detail.frame?.runId ?? ''}`.trim()),
      );
      helper.addEventListener('message', (event) => events.push(`message ${String(event.detail)}`));
      helper.addEventListener('error', (event) =>
        events.push(`error ${String(event.detail.error)}`),
      );
      members.push({ raw, helper, events });
    }
    const forger = await connect({ channelsKey: true });
    /** The forger sends `data` as chat text; every member's socket gets it, byte for byte. */
    const relay = async (data: string) => {
      forger.socket.send(JSON.stringify({ action: 'sendmessage', data }));
      await waitUntil(
        () => members.every(({ raw }) => raw.received.includes(data)),
        `every member to get ${data}`,
        waitMs,
      );
    };
    await relay('hello from the forger');

    // Act (a): a hand-written suspend frame, as anyone could write it from the public contract.
    const forgedSuspend = JSON.stringify({
      type: 'suspend',
      runId: 'forged',
      deploymentId: null,
      at: new Date().toISOString(),
      resumeBy: null,
    });
    await relay(forgedSuspend);
    const stateAfterForgedSuspend = members.map(({ helper }) => helper.state);

    // Act: the real suspend run; the forger gets its own genuine frame.
    const suspend = await invokeRun(invokeTarget, 'suspend');
    // The relay posts to the sender too: the forger's genuine frame is the one with its key.
    const isGenuineToForger = (text: string) =>
      text.startsWith('{"type":"suspend"') && text.endsWith(`"key":"${forger.frameKey}"}`);
    await waitUntil(
      () =>
        members.every(({ helper }) => helper.state === 'suspended') &&
        forger.received.some(isGenuineToForger),
      'every member, and the forger, to get the real suspend frame',
      waitMs,
    );
    const genuineToForger = forger.received.find(isGenuineToForger);
    if (genuineToForger === undefined) throw new Error('the forger got no suspend frame');
    for (const [index, { helper }] of members.entries()) helper.send(`held-${index}`);

    // Act (a): a hand-written resume frame naming the real suspend run, during the real deployment.
    const forgedResume = JSON.stringify({
      type: 'resume',
      runId: 'forged-resume',
      suspendRunId: suspend.runId,
      deploymentId: null,
      at: new Date().toISOString(),
    });
    await relay(forgedResume);
    // Act (b): the forger's own genuine suspend frame, byte for byte, while everyone is suspended.
    await relay(genuineToForger);
    await sleep(quietPeriodMs);
    const whileSuspended = members.map(({ helper }) => ({
      state: helper.state,
      queued: helper.queued,
    }));

    // Act: the real resume run.
    const resume = await invokeRun(invokeTarget, 'resume');
    await waitUntil(
      () => members.every(({ helper }) => helper.state === 'active'),
      'every member to be resumed by the real resume frame',
      waitMs,
    );
    await waitUntil(
      () => members.every(({ events }, index) => events.includes(`message held-${index}`)),
      'the echo of each held message',
      waitMs,
    );
    // Act (b): the copy of the genuine suspend frame again, now that everyone is active.
    await relay(genuineToForger);
    await sleep(quietPeriodMs);

    // Assess: the forged and copied frames reached every socket, as app messages only.
    expect(suspend).toMatchObject({ kind: 'suspend', outcome: 'ok' });
    expect(resume).toMatchObject({ kind: 'resume', outcome: 'ok' });
    expect(stateAfterForgedSuspend).toEqual(members.map(() => 'active'));
    expect(whileSuspended).toEqual(members.map(() => ({ state: 'suspended', queued: 1 })));
    const forgerKey = forger.frameKey ?? '';
    expect(JSON.parse(genuineToForger)).toMatchObject({ runId: suspend.runId, key: forgerKey });
    for (const [index, { raw, helper, events }] of members.entries()) {
      expect(helper.state).toBe('active');
      expect(events).toEqual([
        'message hello from the forger',
        `message ${forgedSuspend}`,
        `suspend ${suspend.runId}`,
        `message ${forgedResume}`,
        `message ${genuineToForger}`,
        `resume frame ${resume.runId}`,
        `message held-${index}`,
        `message ${genuineToForger}`,
      ]);
      // Its own frames came with its own key, and were the only ones it took.
      const ownFrames = raw.received
        .filter((text) => text.includes(`"key":"${raw.frameKey}"`))
        .map((text) => (JSON.parse(text) as { type: string }).type);
      expect(ownFrames).toEqual(['suspend', 'resume']);
      expect(raw.frameKey).not.toBe(forgerKey);
    }
  });
});
