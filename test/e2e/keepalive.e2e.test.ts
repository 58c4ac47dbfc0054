import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ChannelsClient,
  pingMessage,
  type ResumeDetail,
  type SuspendFrame,
} from '../../client/index.js';
import { invokeRun } from '../../scripts/lib/invoke.js';
import { useLocalStack } from '../support/stack-fixture.js';
import { type TestClient, waitUntil } from '../support/ws-clients.js';

// A suspension longer than the idle timeout, in serverless-offline with its idle timeout cut from
// API Gateway's 10 minutes to a few seconds: the client helper's pings on ws-channels.ping keep
// its connections open until resume comes, a client without them is closed as idle; and when no
// resume comes, the helper resumes on its own once the suspend frame's resumeBy has passed.

const idleTimeoutSeconds = 5;
const pingIntervalMs = 1_000;
// Longer than the first test's suspension (3 idle timeouts plus both runs), so that there it is
// the resume frame that resumes the clients; what the second test waits for.
const resumeExpectedWithinMs = 45_000;
const suspensionMs = 3 * idleTimeoutSeconds * 1000;

interface Participant {
  raw: TestClient;
  helper: ChannelsClient;
  resumes: ResumeDetail[];
  messages: unknown[];
  suspendFrames: SuspendFrame[];
}

const isSuspendFrame = (text: string) => text.startsWith('{"type":"suspend"');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the client helper through a suspension longer than the idle timeout', () => {
  const localStack = useLocalStack({
    environment: {
      WS_CHANNELS_IDLE_TIMEOUT_SECONDS: String(idleTimeoutSeconds),
      WS_CHANNELS_RESUME_EXPECTED_WITHIN_MS: String(resumeExpectedWithinMs),
      // serverless-offline then logs the route of each message it receives.
      SLS_LOG_LEVEL: 'debug',
    },
  });
  const timers: Array<ReturnType<typeof setInterval>> = [];
  const helpers: ChannelsClient[] = [];
  afterAll(() => {
    for (const timer of timers) clearInterval(timer);
    for (const helper of helpers) helper.dispose();
  });

  /**
   * A connection the test keeps busy itself until its suspend frame comes (as an app that talks
   * would), so that the few seconds of idle timeout do not end it before the suspension starts.
   */
  async function connectBusy(options: { channelsKey?: boolean } = {}): Promise<TestClient> {
    const raw = await localStack().connect(options);
    const timer = setInterval(() => {
      if (raw.received.some(isSuspendFrame) || raw.socket.readyState !== WebSocket.OPEN) {
        clearInterval(timer);
      } else {
        raw.socket.send(pingMessage);
      }
    }, pingIntervalMs);
    timers.push(timer);
    return raw;
  }

  async function participant(): Promise<Participant> {
    // With a frame key, as a socket for the helper must be; the control connects without one.
    const raw = await connectBusy({ channelsKey: true });
    const helper = new ChannelsClient(raw.socket, { pingIntervalMs });
    helpers.push(helper);
    const joined: Participant = { raw, helper, resumes: [], messages: [], suspendFrames: [] };
    helper.addEventListener('suspend', (event) => joined.suspendFrames.push(event.detail));
    helper.addEventListener('resume', (event) => joined.resumes.push(event.detail));
    helper.addEventListener('message', (event) => joined.messages.push(event.detail));
    return joined;
  }

  it('keeps pinging clients open through the suspension and resumes them; a silent one is closed', async () => {
    // Prepare: three clients with the helper, one without (the control).
    const { invokeTarget, stack } = localStack();
    const participants: Participant[] = [];
    for (let index = 0; index < 3; index++) participants.push(await participant());
    const control = await connectBusy();
    let controlCloseCode: number | undefined;
    control.socket.on('close', (code) => {
      controlCloseCode = code;
    });

    // Act 1: suspend, hold a message each, and stay suspended for three idle timeouts.
    const suspend = await invokeRun(invokeTarget, 'suspend');
    await waitUntil(
      () => participants.every(({ helper }) => helper.state === 'suspended'),
      'every helper to be suspended',
      30_000,
    );
    for (const [index, { helper }] of participants.entries()) helper.send(`held-${index}`);
    const suspendedAt = Date.now();
    await sleep(suspensionMs);

    // Assess 1: the helpers' connections are open; the control's was closed as idle.
    expect(suspend).toMatchObject({ kind: 'suspend', outcome: 'ok', counts: { delivered: 4 } });
    for (const { raw, helper, suspendFrames } of participants) {
      expect(raw.socket.readyState).toBe(WebSocket.OPEN);
      expect(helper.state).toBe('suspended');
      expect(helper.queued).toBe(1);
      // resumeBy comes from RESUME_EXPECTED_WITHIN_MS, through the function's configuration.
      const [frame] = suspendFrames;
      expect(Date.parse(String(frame?.resumeBy)) - Date.parse(String(frame?.at))).toBe(
        resumeExpectedWithinMs,
      );
    }
    expect(control.socket.readyState).toBe(WebSocket.CLOSED);
    // serverless-offline's idle timeout closes with 1001 "Going away".
    expect(controlCloseCode).toBe(1001);
    expect(control.received.filter(isSuspendFrame)).toHaveLength(1);

    // Act 2: resume.
    const resume = await invokeRun(invokeTarget, 'resume');
    await waitUntil(
      () => participants.every(({ messages }) => messages.length === 1),
      'the echo of each held message',
      30_000,
    );

    // Assess 2: resumed by the resume frame, well before resumeBy, each held message sent once;
    // the pings went to their own route and never reached the app (its echo would have come back).
    expect(Date.now() - suspendedAt).toBeLessThan(resumeExpectedWithinMs);
    expect(resume).toMatchObject({ kind: 'resume', outcome: 'ok', counts: { delivered: 3 } });
    participants.forEach(({ helper, resumes, messages }, index) => {
      expect(helper.state).toBe('active');
      expect(resumes).toEqual([{ frame: expect.any(Object), flushed: 1, reason: 'frame' }]);
      expect(messages).toEqual([`held-${index}`]);
    });
    const routed = [...stack.output().matchAll(/route:(\S+) on connection=/g)].map(
      (match) => match[1],
    );
    expect(routed.filter((route) => route === 'ws-channels.ping').length).toBeGreaterThan(
      participants.length * (suspensionMs / pingIntervalMs / 2),
    );
    // The ping function answered each one: no failure logged by it or by serverless-offline.
    expect(stack.output()).not.toMatch(/WebSocket route failed|Error in route handler 'ping'/);

    for (const { raw, helper } of participants) {
      helper.dispose();
      await raw.close();
    }
  });

  it('resumes on its own when resumeBy passes with no resume, and says so', async () => {
    // Prepare
    const { invokeTarget } = localStack();
    const participants: Participant[] = [];
    for (let index = 0; index < 2; index++) participants.push(await participant());

    // Act: suspend and never resume.
    await invokeRun(invokeTarget, 'suspend');
    await waitUntil(
      () => participants.every(({ helper }) => helper.state === 'suspended'),
      'every helper to be suspended',
      30_000,
    );
    const suspendedAt = Date.now();
    for (const [index, { helper }] of participants.entries()) helper.send(`late-${index}`);
    await waitUntil(
      () => participants.every(({ resumes }) => resumes.length === 1),
      'each helper to resume on its own',
      resumeExpectedWithinMs + 30_000,
    );
    await waitUntil(
      () => participants.every(({ messages }) => messages.length === 1),
      'the echo of each held message',
      30_000,
    );

    // Assess: no earlier than resumeBy, on a connection the pings kept open, with the reason.
    expect(Date.now() - suspendedAt).toBeGreaterThanOrEqual(resumeExpectedWithinMs - 5_000);
    participants.forEach(({ raw, helper, resumes, messages }, index) => {
      expect(raw.socket.readyState).toBe(WebSocket.OPEN);
      expect(helper.state).toBe('active');
      expect(resumes).toEqual([{ frame: null, flushed: 1, reason: 'resumeBy' }]);
      expect(raw.received.filter((text) => text.startsWith('{"type":"resume"'))).toEqual([]);
      expect(messages).toEqual([`late-${index}`]);
    });
  });
});
