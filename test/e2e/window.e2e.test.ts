import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { ChannelsClient, type ReconnectDetail, withChannelsKey } from '../../client/index.js';
import { invokeRun } from '../../scripts/lib/invoke.js';
import { useLocalStackWithCodeDeploy } from '../support/stack-fixture.js';
import { scanConnectionIds, type TestClient, waitUntil } from '../support/ws-clients.js';

// New connections during a deployment window, in serverless-offline with real `ws` clients:
// between suspend and resume, $connect refuses a new client (NEW_CONNECTIONS_DURING_DEPLOYMENT
// is hold by default), the client helper tries again with backoff, holds what the app sends, and
// gets in once resume has closed the window; the stand-in $default (an echo) hears nothing from
// it before then.

/** Long enough for several refused attempts, and for an echo had a message got through. */
const windowOpenForMs = 4_000;

describe('a client that connects during the deployment window', () => {
  // serverless-offline logs each message it receives ("message:<text>") at debug level.
  const { localStack, codeDeploy } = useLocalStackWithCodeDeploy({ SLS_LOG_LEVEL: 'debug' });

  it('is refused while the window is open, gets in after resume with the helper, and its messages reach $default only then, in order', async () => {
    // Prepare: three clients connected before the deployment.
    const { stack, connect, documentClient, read, invokeTarget: target } = localStack();
    const deploymentId = 'd-E2EWINDOW';
    const before: TestClient[] = [];
    for (let index = 0; index < 3; index++) before.push(await connect());
    const suspend = await invokeRun(target, 'suspend', {
      DeploymentId: deploymentId,
      LifecycleEventHookExecutionId: 'hook-before',
    });
    expect(suspend).toMatchObject({ outcome: 'ok', counts: { delivered: 3 } });
    expect(await read(stack.runsTable, { runId: 'window#deployment' })).toMatchObject({
      openedBy: suspend.runId,
      deployments: new Set([deploymentId]),
    });

    // Act: a plain socket is refused with $connect's answer; a helper client tries again.
    const plain = new WebSocket(stack.websocketUrl);
    // Ending a refused handshake emits an error, which ws throws if nobody listens.
    plain.on('error', () => {});
    const [, response] = (await once(plain, 'unexpected-response')) as [unknown, IncomingMessage];
    expect(response.statusCode).toBe(429);
    plain.terminate();

    const reconnects: ReconnectDetail[] = [];
    const echoes: Array<{ text: string; at: number }> = [];
    const helper = new ChannelsClient(() => new WebSocket(withChannelsKey(stack.websocketUrl)), {
      retry: { firstDelayMs: 200, maxDelayMs: 1_000 },
    });
    // Before the stack stops, or the helper would try to connect to it again.
    onTestFinished(() => {
      helper.dispose();
      (helper.socket as WebSocket).terminate();
    });
    helper.addEventListener('reconnect', (event) => reconnects.push(event.detail));
    helper.addEventListener('message', (event) =>
      echoes.push({ text: String(event.detail), at: Date.now() }),
    );
    const messages = ['window-1', 'window-2', 'window-3'];
    for (const message of messages) helper.send(message);
    await waitUntil(() => reconnects.length >= 3, 'three refused attempts', 30_000);
    await new Promise((resolve) => setTimeout(resolve, windowOpenForMs));

    // Assess: still out, nothing registered, nothing received by $default.
    expect(reconnects.every((attempt) => attempt.refused)).toBe(true);
    expect(helper.socket.readyState).not.toBe(WebSocket.OPEN);
    expect(helper.queued).toBe(messages.length);
    expect(echoes).toEqual([]);
    expect([...stack.output().matchAll(/message:(window-\d)/g)]).toEqual([]);
    expect(await scanConnectionIds(documentClient, stack.connectionsTable)).toEqual(
      new Set(before.map((client) => client.connectionId)),
    );

    // Act: the traffic has shifted; resume closes the window.
    const resumeStartedAt = Date.now();
    const resume = await invokeRun(target, 'resume', {
      DeploymentId: deploymentId,
      LifecycleEventHookExecutionId: 'hook-after',
    });
    await waitUntil(
      () => echoes.length >= messages.length,
      'the echoes of the held messages',
      30_000,
    );

    // Assess: every earlier client resumed; the new one got in and its messages went to $default
    // once each, in order, after the resume had started.
    expect(resume).toMatchObject({
      outcome: 'ok',
      counts: { delivered: 3 },
      hookStatus: 'Succeeded',
    });
    expect(await read(stack.runsTable, { runId: 'window#deployment' })).toBeUndefined();
    for (const client of before) {
      await client.waitFor((frames) => frames.some((frame) => frame.includes('"type":"resume"')));
    }
    expect(helper.socket.readyState).toBe(WebSocket.OPEN);
    // Each message is its own invocation of $default, so echoes may come back in any order; the
    // order the server received them in is in its log.
    expect(echoes.map((echo) => echo.text).sort()).toEqual(messages);
    expect(echoes.every((echo) => echo.at >= resumeStartedAt)).toBe(true);
    expect([...stack.output().matchAll(/message:(window-\d)/g)].map((match) => match[1])).toEqual(
      messages,
    );
    const ids = await scanConnectionIds(documentClient, stack.connectionsTable);
    expect(ids.size).toBe(before.length + 1);
    expect(codeDeploy().calls.map((call) => call.status)).toEqual(['Succeeded', 'Succeeded']);
  });
});
