import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ChannelsClient, withChannelsKey } from '../../client/index.js';
import { type ControlFrame, encodeFrame } from '../../functions/core/protocol/frames.js';
import { useLocalStack } from '../support/stack-fixture.js';
import { type TestClient, waitUntil } from '../support/ws-clients.js';

// The client helper with real `ws` clients against serverless-offline: the frames come from the
// server's own encoder through the Management API, each with the frame key its client connected
// with; the $default route echoes what the server got.

const clientCount = 3;
const messageCount = 20;
// Long enough for an echo to come back if the helper had let a message through (an echo takes
// well under a second once the function is warm, which the first message makes sure of).
const quietPeriodMs = 2_000;
const waitTimeoutMs = 60_000;

interface Participant {
  raw: TestClient;
  helper: ChannelsClient;
  /** What the helper told the app, in order: events and app messages. */
  timeline: string[];
}

describe('the client helper against the local stack', () => {
  // Debug logging makes serverless-offline print each message it receives ("message:<text>"),
  // the only way to see what the server got, and in which order, before any echo.
  const localStack = useLocalStack({ environment: { SLS_LOG_LEVEL: 'debug' } });
  let managementApi: ApiGatewayManagementApiClient | undefined;
  const participants: Participant[] = [];
  const otherSockets: WebSocket[] = [];

  beforeAll(() => {
    const { stack } = localStack();
    managementApi = new ApiGatewayManagementApiClient({
      endpoint: stack.connectionsEndpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: stack.awsEnvironment.AWS_ACCESS_KEY_ID ?? 'local',
        secretAccessKey: stack.awsEnvironment.AWS_SECRET_ACCESS_KEY ?? 'local',
      },
    });
  });

  // Runs before the stack's own stop, which closes the clients `connect` gave.
  afterAll(() => {
    for (const participant of participants) participant.helper.dispose();
    for (const socket of otherSockets) socket.terminate();
    managementApi?.destroy();
  });

  it('holds what clients send while suspended and sends it after resume, in order, each once', async () => {
    const { stack, connect } = localStack();
    if (!managementApi) throw new Error('the management API client was not made');
    const serverLog = stack.output;
    const api = managementApi;
    const post = (raw: TestClient, frame: ControlFrame) =>
      api.send(
        new PostToConnectionCommand({
          ConnectionId: raw.connectionId,
          Data: encodeFrame(frame, raw.frameKey),
        }),
      );
    /** The frame's text as the server sends it to `raw`: with its key. */
    const sentTo = (raw: TestClient, frame: ControlFrame) =>
      JSON.stringify({ ...frame, key: raw.frameKey });
    /** The messages of client `index` the server received so far, in the order it got them. */
    const receivedByServer = (index: number) =>
      [...serverLog().matchAll(/message:(client-(\d+) [^\r\n]*)/g)]
        .filter((match) => match[2] === String(index))
        .map((match) => match[1]);
    const wait = (condition: () => boolean, what: string) =>
      waitUntil(condition, what, waitTimeoutMs);

    // Prepare: three connected clients, each wrapped in the helper, each with a working echo.
    for (let index = 0; index < clientCount; index++) {
      const raw = await connect({ channelsKey: true });
      const helper = new ChannelsClient(raw.socket);
      const timeline: string[] = [];
      helper.addEventListener('suspend', () => timeline.push('suspend'));
      helper.addEventListener('resume', (event) =>
        timeline.push(`resume flushed=${event.detail.flushed}`),
      );
      helper.addEventListener('message', (event) => timeline.push(String(event.detail)));
      participants.push({ raw, helper, timeline });
    }
    await Promise.all(
      participants.map(async ({ helper, timeline }, index) => {
        helper.send(`client-${index} hello`);
        await wait(() => timeline.length === 1, `the echo of client ${index}'s first message`);
      }),
    );

    // Act 1: suspend every connection, then send through the helper while suspended.
    const suspendFrame: ControlFrame = {
      type: 'suspend',
      runId: 'e2e-suspend',
      deploymentId: 'd-E2E',
      at: new Date().toISOString(),
      resumeBy: null,
    };
    for (const { raw } of participants) await post(raw, suspendFrame);
    await Promise.all(
      participants.map(({ helper }, index) =>
        wait(() => helper.state === 'suspended', `client ${index} to be suspended`),
      ),
    );
    const messages = (index: number) =>
      Array.from(
        { length: messageCount },
        (_, number) => `client-${index} message ${String(number + 1).padStart(2, '0')}`,
      );
    participants.forEach(({ helper }, index) => {
      for (const message of messages(index)) helper.send(message);
    });
    await new Promise((resolve) => setTimeout(resolve, quietPeriodMs));

    // Assess 1: everything is held; the server got nothing and echoed nothing.
    participants.forEach(({ helper, timeline, raw }, index) => {
      expect(helper.queued).toBe(messageCount);
      expect(timeline).toEqual([`client-${index} hello`, 'suspend']);
      expect(raw.received).toEqual([`client-${index} hello`, sentTo(raw, suspendFrame)]);
      expect(receivedByServer(index)).toEqual([`client-${index} hello`]);
    });

    // Act 2: resume the connections one after the other. Each resume lets 20 messages through at
    // once, 20 concurrent Lambda invocations: three at a time would be 60 cold workers on this
    // small machine, past the function's 10 s timeout. It also shows that resume is per connection.
    const resumeFrame: ControlFrame = {
      type: 'resume',
      runId: 'e2e-resume',
      suspendRunId: suspendFrame.runId,
      deploymentId: 'd-E2E',
      at: new Date().toISOString(),
    };
    for (const [index, { raw, timeline }] of participants.entries()) {
      await post(raw, resumeFrame);
      await wait(
        () => timeline.length >= 3 + messageCount,
        `the ${messageCount} echoes of client ${index}`,
      );
      for (const [later, { helper }] of participants.entries()) {
        if (later <= index) continue;
        expect(helper.state).toBe('suspended');
        expect(helper.queued).toBe(messageCount);
        expect(receivedByServer(later)).toEqual([`client-${later} hello`]);
      }
    }
    // Echoes that would come twice come within the quiet period.
    await new Promise((resolve) => setTimeout(resolve, quietPeriodMs));

    // Assess 2: the server got each message once, in the order sent, after the resume; each came
    // back once. The echoes' order is not the helper's to keep: the $default route runs one Lambda
    // invocation per message, concurrently (in serverless-offline as in API Gateway), so echoes
    // may overtake one another. The order is checked where the helper decides it: at the server.
    participants.forEach(({ helper, timeline, raw }, index) => {
      expect(helper.state).toBe('active');
      expect(helper.queued).toBe(0);
      expect(receivedByServer(index)).toEqual([`client-${index} hello`, ...messages(index)]);
      expect(timeline.slice(0, 3)).toEqual([
        `client-${index} hello`,
        'suspend',
        `resume flushed=${messageCount}`,
      ]);
      // The names are zero-padded, so sorting the echoes gives the sent order back exactly when
      // every message came back once and nothing else came.
      expect(timeline.slice(3).sort()).toEqual(messages(index));
      // The socket itself got the control frames; the app's message events never did.
      expect(raw.received.slice(0, 3)).toEqual([
        `client-${index} hello`,
        sentTo(raw, suspendFrame),
        sentTo(raw, resumeFrame),
      ]);
      expect(raw.received).toHaveLength(timeline.length);
    });
  });

  it('moves to a new socket after a reconnect and sends what it held there, once, in order', async () => {
    const { stack, connect } = localStack();
    if (!managementApi) throw new Error('the management API client was not made');
    const serverLog = stack.output;
    const wait = (condition: () => boolean, what: string) =>
      waitUntil(condition, what, waitTimeoutMs);
    const raw = await connect({ channelsKey: true });
    const helper = new ChannelsClient(raw.socket);
    const timeline: string[] = [];
    participants.push({ raw, helper, timeline });
    helper.addEventListener('suspend', () => timeline.push('suspend'));
    helper.addEventListener('resume', (event) =>
      timeline.push(
        `resume frame=${event.detail.frame?.type ?? 'none'} flushed=${event.detail.flushed}`,
      ),
    );
    helper.addEventListener('message', (event) => timeline.push(String(event.detail)));
    await managementApi.send(
      new PostToConnectionCommand({
        ConnectionId: raw.connectionId,
        Data: encodeFrame(
          {
            type: 'suspend',
            runId: 'e2e-suspend-reconnect',
            deploymentId: null,
            at: new Date().toISOString(),
            resumeBy: null,
          },
          raw.frameKey,
        ),
      }),
    );
    await wait(() => helper.state === 'suspended', 'the client to be suspended');
    const messages = Array.from({ length: 5 }, (_, number) => `reconnect-${number + 1}`);
    for (const message of messages) helper.send(message);

    // Act: the connection drops while suspended (as when the client's network changes); the app
    // opens a new one and attaches it before it is open.
    await raw.close();
    const socket = new WebSocket(withChannelsKey(stack.websocketUrl));
    otherSockets.push(socket);
    helper.attach(socket);
    expect(helper.queued).toBe(messages.length);
    await wait(() => timeline.length >= 2 + messages.length, 'the echoes on the new socket');
    await new Promise((resolve) => setTimeout(resolve, quietPeriodMs));

    // Assess: the new connection, never suspended by the server, resumed the client on open and
    // got each held message once, in order.
    expect(helper.state).toBe('active');
    expect(helper.queued).toBe(0);
    expect(timeline.slice(0, 2)).toEqual([
      'suspend',
      `resume frame=none flushed=${messages.length}`,
    ]);
    expect(timeline.slice(2).sort()).toEqual(messages);
    const serverGot = [...serverLog().matchAll(/message:(reconnect-\d+)/g)].map(
      (match) => match[1],
    );
    expect(serverGot).toEqual(messages);
  });
});
