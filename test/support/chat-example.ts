import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type InvokeTarget, invokeFunction } from '../../scripts/lib/invoke.js';
import {
  checkJava,
  freePorts,
  type LocalStackPorts,
  localAwsEnvironment,
  projectRoot,
  stopProcessGroup,
  waitForReady,
} from '../../scripts/lib/local-stack.js';
import { packRepository } from './pack.js';

// An example app (examples/chat, or examples/sample-chat with `app: sampleChatApp`) as a user runs
// it: the repo packed with `npm pack`, the example copied to a scratch folder and installed there
// with `npm install` (ws-channels from the tarball, the rest from the registry through npm's
// cache), then `osls offline start` in it on free ports. The stack is a process group of its own,
// stopped by its PID whatever failed.
//
//   const chat = useChatExample();            // in a describe: beforeAll starts, afterAll stops
//   chat().pageUrl, chat().websocketUrl        // http://localhost:{port}/, ws://localhost:{port}
//   await chat().invoke('wsChannelsSuspend')   // a synchronous invocation, the run's summary
//   chat().invokeTarget                        // for the CodeDeploy driver (playDeployment)
//   await chat().setAppVersion('2')            // what the chat stamps on messages from now on
//   await chat().registry()                    // ws-channels' Connections table, every item

/** Which example: its folder under examples/, its service name, the prefix of its port variables. */
export interface ExampleApp {
  folder: string;
  service: string;
  variablePrefix: string;
}

export const chatApp: ExampleApp = { folder: 'chat', service: 'chat', variablePrefix: 'CHAT' };
/** AWS's sample chat: a function per route, its own connections table. */
export const sampleChatApp: ExampleApp = {
  folder: 'sample-chat',
  service: 'sample-chat',
  variablePrefix: 'SAMPLE_CHAT',
};

export interface ChatExample {
  /** The installed copy of the example the stack runs in. */
  folder: string;
  ports: LocalStackPorts;
  /** The chat page (GET /): open it with ?name=alice&room=lobby. */
  pageUrl: string;
  websocketUrl: string;
  /** Where wsChannelsSuspend and wsChannelsResume are invoked (service `chat`, stage `local`). */
  invokeTarget: InvokeTarget;
  /** Everything the stack printed so far. */
  output(): string;
  /** Invokes a function of the service by its key and returns its result; throws if it failed. */
  invoke(functionKey: string, event?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The version the chat stamps on the messages it handles from now on ("a new version"). */
  setAppVersion(version: string): Promise<void>;
  /** ws-channels' Connections table as it stands: connection id and status of each. */
  registry(): Promise<Array<{ connectionId: string; status: string }>>;
  /** ws-channels' Runs table: every item (runs, and the deployment window's item). */
  runs(): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/** A `send` the chat received: its body as the client sent it. */
export interface ReceivedSend {
  room: string;
  name: string;
  id: string;
  text: string;
}

/**
 * The `send` messages the chat received, in the order serverless-offline printed them
 * ("message:<text>" lines, printed with SLS_LOG_LEVEL=debug).
 */
export function receivedSends(output: string): ReceivedSend[] {
  return [...output.matchAll(/message:(\{"action":"send".*)$/gm)].map(
    (match) => JSON.parse(match[1] ?? '{}') as ReceivedSend,
  );
}

export interface ChatExampleOptions {
  /** Which example; default examples/chat. */
  app?: ExampleApp;
  /** The version the chat stamps before any setAppVersion; default '1'. */
  appVersion?: string;
  /**
   * Extra environment for the stack and its functions (serverless-offline passes AWS_* through),
   * e.g. AWS_ENDPOINT_URL_CODEDEPLOY. A function is called when the stack starts, after the
   * file's earlier `beforeAll` hooks, so it can name an emulator those started.
   */
  environment?: Record<string, string> | (() => Record<string, string>);
  /** More options for `osls offline start`; default `--useInProcess`. */
  offlineArgs?: readonly string[];
  readyTimeoutMs?: number;
}

const run = promisify(execFile);
const stage = 'local';

/** Times of the last preparation, for reports: pack, install and stack start, in ms. */
export const chatExampleTimings: Record<string, number> = {};

/**
 * Packs the repo and installs a copy of the example from the tarball in a scratch folder:
 * `{scratch}/ws-channels-{version}.tgz` beside `{scratch}/examples/{folder}`, so the example's own
 * `file:../../ws-channels-{version}.tgz` resolves as it does in the repo.
 */
export async function installChatExample(scratch: string, app = chatApp): Promise<string> {
  const environment = { ...process.env, npm_config_update_notifier: 'false' };
  let started = Date.now();
  await packRepository(scratch);
  chatExampleTimings.packMs = Date.now() - started;

  const folder = path.join(scratch, 'examples', app.folder);
  await mkdir(folder, { recursive: true });
  await cp(path.join(projectRoot, 'examples', app.folder), folder, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|\.serverless)$/.test(source),
  });
  started = Date.now();
  // From the tarball (package.json names it), with the registry's packages from the cache.
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: folder,
    env: environment,
    timeout: 240_000,
  });
  chatExampleTimings.installMs = Date.now() - started;
  return folder;
}

/** Packs, installs and starts the example; stop() ends the stack and removes the scratch folder. */
export async function startChatExample(options: ChatExampleOptions = {}): Promise<ChatExample> {
  checkJava();
  const app = options.app ?? chatApp;
  const { service, variablePrefix: prefix } = app;
  const scratch = await mkdtemp(path.join(tmpdir(), `ws-channels-${app.folder}-`));
  let stopStack = async () => {};
  const stop = async () => {
    try {
      await stopStack();
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  };
  try {
    const folder = await installChatExample(scratch, app);
    const versionFile = path.join(scratch, 'app-version');
    await writeFile(versionFile, options.appVersion ?? '1');
    const ports = await freePorts();
    const awsEnvironment = localAwsEnvironment(ports);
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        path.join(folder, 'node_modules', 'osls', 'bin', 'serverless.js'),
        'offline',
        'start',
        '--stage',
        stage,
        ...(options.offlineArgs ?? ['--useInProcess']),
      ],
      {
        cwd: folder,
        // Its own process group, so stop() ends osls and the DynamoDB Local java it started.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...awsEnvironment,
          // The CodeDeploy driver sees a failed Event invocation as a warning line; without this
          // it would end serverless-offline.
          NODE_OPTIONS: '--unhandled-rejections=warn',
          ...(typeof options.environment === 'function'
            ? options.environment()
            : options.environment),
          [`${prefix}_WEBSOCKET_PORT`]: String(ports.websocket),
          [`${prefix}_HTTP_PORT`]: String(ports.http),
          [`${prefix}_LAMBDA_PORT`]: String(ports.lambda),
          [`${prefix}_DYNAMODB_PORT`]: String(ports.dynamodb),
          CHAT_APP_VERSION_FILE: versionFile,
          SLS_TELEMETRY_DISABLED: '1',
        },
      },
    );
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const documentClient = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: awsEnvironment.AWS_ENDPOINT_URL_DYNAMODB,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    stopStack = async () => {
      documentClient.destroy();
      await stopProcessGroup(child);
    };
    await waitForReady(child, () => output, options.readyTimeoutMs ?? 120_000);
    chatExampleTimings.startMs = Date.now() - started;

    const lambdaEndpoint = `http://localhost:${ports.lambda}`;
    return {
      folder,
      ports,
      pageUrl: `http://localhost:${ports.http}/`,
      websocketUrl: `ws://localhost:${ports.websocket}`,
      invokeTarget: { lambdaEndpoint, stage, service },
      output: () => output,
      invoke: (functionKey, event = {}) =>
        invokeFunction(lambdaEndpoint, `${service}-${stage}-${functionKey}`, event),
      setAppVersion: (version) => writeFile(versionFile, version),
      registry: async () =>
        (await scanAll(documentClient, `${service}-${stage}-ws-channels-connections`)).map(
          (item) => ({ connectionId: String(item.connectionId), status: String(item.status) }),
        ),
      runs: () => scanAll(documentClient, `${service}-${stage}-ws-channels-runs`),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Every item of a table, page by page. */
async function scanAll(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * Starts the example before the tests of the enclosing suite and stops it after them, even when
 * the start itself timed out; a failed test prints the end of the stack's output.
 */
// The start's own bounds added up: npm pack (120 s), npm install (240 s), the ready line (120 s).
const startBoundMs = 480_000;

export function useChatExample(options: ChatExampleOptions = {}): () => ChatExample {
  let starting: Promise<ChatExample> | undefined;
  let example: ChatExample | undefined;
  beforeAll(async () => {
    starting = startChatExample(options);
    example = await starting;
  }, startBoundMs + 60_000);
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      if (example) console.error(`Example output (end):\n${example.output().slice(-20_000)}`);
    });
  });
  // Waits for a start that beforeAll gave up on, so that its stack is stopped too: longer than
  // what is left of the start's bounds.
  afterAll(async () => {
    const started = await starting?.catch(() => undefined);
    await started?.stop();
  }, startBoundMs + 60_000);
  return () => {
    if (!example) throw new Error('the chat example did not start');
    return example;
  };
}
