import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

// Starts and stops the local stack (osls offline + DynamoDB Local through serverless-dynamodb)
// for `npm start`, the demo and the end-to-end tests. Ports are chosen by the caller, so two runs
// can use free ports side by side.

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalStackPorts {
  websocket: number;
  http: number;
  lambda: number;
  dynamodb: number;
}

export const defaultPorts: LocalStackPorts = {
  websocket: 3001,
  http: 3000,
  lambda: 3002,
  dynamodb: 8000,
};

/** Credentials and endpoints that SDK clients need to talk to the local stack. */
export function localAwsEnvironment(ports: LocalStackPorts): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: `http://localhost:${ports.dynamodb}`,
    AWS_ENDPOINT_URL_LAMBDA: `http://localhost:${ports.lambda}`,
  };
}

export const javaPackageHint =
  'DynamoDB Local needs Java 17 or newer. On Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless';

/** Throws with the package to install when `java` is missing. */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (result.error || result.status !== 0) {
    throw new Error(`Java was not found on PATH. ${javaPackageHint}`);
  }
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export async function freePorts(): Promise<LocalStackPorts> {
  return {
    websocket: await freePort(),
    http: await freePort(),
    lambda: await freePort(),
    dynamodb: await freePort(),
  };
}

export interface LocalStack {
  ports: LocalStackPorts;
  websocketUrl: string;
  /** What WEBSOCKET_ENDPOINT is offline: the @connections callbacks, no stage path. */
  connectionsEndpoint: string;
  stage: string;
  connectionsTable: string;
  runsTable: string;
  /** Environment for SDK clients in the caller (credentials, region, endpoints). */
  awsEnvironment: Record<string, string>;
  /** Everything the stack printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startLocalStack(
  options: {
    ports?: LocalStackPorts;
    /** Extra AWS_* variables for the functions (serverless-offline passes AWS_* through). */
    environment?: Record<string, string>;
    readyTimeoutMs?: number;
    /** More options for `osls offline start`, e.g. `--useInProcess`. */
    offlineArgs?: readonly string[];
    /** Echo the stack's output (for `npm start`). */
    onOutput?: (text: string) => void;
  } = {},
): Promise<LocalStack> {
  checkJava();
  const ports = options.ports ?? defaultPorts;
  const stage = 'local';
  const awsEnvironment = localAwsEnvironment(ports);
  const child = spawn(
    process.execPath,
    [
      `${projectRoot}node_modules/osls/bin/serverless.js`,
      'offline',
      'start',
      '--stage',
      stage,
      ...(options.offlineArgs ?? []),
    ],
    {
      cwd: projectRoot,
      // Its own process group, so stop() ends osls and the DynamoDB Local java it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...awsEnvironment,
        ...options.environment,
        WS_CHANNELS_WEBSOCKET_PORT: String(ports.websocket),
        WS_CHANNELS_HTTP_PORT: String(ports.http),
        WS_CHANNELS_LAMBDA_PORT: String(ports.lambda),
        WS_CHANNELS_DYNAMODB_PORT: String(ports.dynamodb),
        SLS_TELEMETRY_DISABLED: '1',
      },
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const stack: LocalStack = {
    ports,
    websocketUrl: `ws://localhost:${ports.websocket}`,
    connectionsEndpoint: `http://localhost:${ports.websocket}`,
    stage,
    connectionsTable: `ws-channels-${stage}-connections`,
    runsTable: `ws-channels-${stage}-runs`,
    awsEnvironment,
    output: () => output,
    stop: () => stopProcessGroup(child),
  };

  try {
    await waitForReady(child, () => output, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

/** Waits for serverless-offline's ready line; throws with the output if the process exits first. */
export async function waitForReady(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The local stack exited before it was ready:\n${output()}`);
    }
    // serverless-offline prints this once both servers listen (after tables are created).
    if (output().includes('[http for websocket] listening')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The local stack was not ready within ${timeoutMs} ms:\n${output()}`);
}

/** Ends a process started with `detached: true` and everything in its group (osls, java). */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      // A negative pid signals the group we created with detached: true, and nothing else.
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const timer = setTimeout(() => signalGroup('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  // The java child may outlive osls by a moment; make sure the whole group is gone.
  signalGroup('SIGKILL');
}
