import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { MiddlewareObj, Request } from '@middy/core';
import { DynamoDBConnectionRegistry } from '../aws/connection-registry.js';
import { DynamoDBDeploymentWindow } from '../aws/deployment-window.js';
import type { DynamoDBClientOption } from '../aws/dynamodb.js';
import { type Environment, readRegistryConfig } from '../config/read-config.js';
import {
  type Clock,
  type ConnectionRegistry,
  type DeploymentWindow,
  systemClock,
} from '../core/ports.js';
import { frameKeyOfConnect } from '../core/protocol/frame-key.js';
import {
  connectionIdOf,
  type RouteResponse,
  type WebSocketRouteEvent,
} from '../core/protocol/routes.js';
import {
  type NewConnectionsPolicy,
  newConnectionsPolicies,
} from '../core/registry/deployment-window.js';
import {
  admitConnection,
  type ConnectGate,
  cachedWindow,
  holdDuringDeployment,
} from '../core/registry/gate.js';

// The middy middleware a team adds to its own $connect and $disconnect handlers, so that they
// keep the registry ws-channels suspends and resumes, and hold new connections while a
// deployment window is open. Every other route passes through untouched.

export interface WsChannelsRegistryOptions {
  /** The Connections table; by default CONNECTIONS_TABLE. */
  connectionsTable?: string;
  /** The Runs table, which holds the deployment window; by default RUNS_TABLE. */
  runsTable?: string;
  /** By default NEW_CONNECTIONS_DURING_DEPLOYMENT, else `hold`. */
  newConnectionsDuringDeployment?: NewConnectionsPolicy;
  /** Your DynamoDB client, or the config of the one the middleware makes; never both. */
  client?: DynamoDBClient;
  clientConfig?: DynamoDBClientConfig;
  /** Replace the DynamoDB adapters (tests, other stores); then their table is not needed. */
  registry?: ConnectionRegistry;
  window?: Pick<DeploymentWindow, 'read'>;
  clock?: Clock;
  /** Where the configuration not given here is read; by default the Lambda environment. */
  environment?: Environment;
}

type RouteRequest = Request<WebSocketRouteEvent, RouteResponse | undefined>;

const removalTriedKey = 'wsChannelsRemovalTried';
const frameKeyKey = 'wsChannelsFrameKey';

export function wsChannelsRegistry(
  options: WsChannelsRegistryOptions = {},
): MiddlewareObj<WebSocketRouteEvent, RouteResponse | undefined> {
  checkOptions(options);
  const config = readRegistryConfig(
    {
      connectionsTable: options.connectionsTable,
      runsTable: options.runsTable,
      newConnectionsDuringDeployment: options.newConnectionsDuringDeployment,
      hasRegistry: options.registry !== undefined,
      hasWindow: options.window !== undefined,
    },
    options.environment,
  );
  const clock = options.clock ?? systemClock;
  const clientOption: DynamoDBClientOption = options.client
    ? { client: options.client }
    : { clientConfig: options.clientConfig };
  const registry =
    options.registry ??
    new DynamoDBConnectionRegistry({ tableName: String(config.connectionsTable), ...clientOption });
  const window =
    options.window ??
    (config.runsTable === undefined
      ? undefined
      : new DynamoDBDeploymentWindow({ tableName: config.runsTable, clock, ...clientOption }));
  const gate: ConnectGate | undefined = window && {
    window,
    newConnections: config.newConnectionsDuringDeployment,
  };
  // The first look, before the team's handler, may be a second old: the look after registering
  // is fresh (admitConnection).
  const firstLook: ConnectGate | undefined = gate && {
    ...gate,
    window: cachedWindow(gate.window, clock),
  };
  // A failed removal in `after` is not tried again by `onError`: the request remembers it, as
  // middy's own middlewares keep what they know of a request on `request.internal`.
  const removeOnce = async (request: RouteRequest) => {
    const internal = request.internal as Record<string, unknown>;
    if (internal[removalTriedKey] === true) return;
    internal[removalTriedKey] = true;
    await registry.remove(connectionIdOf(request.event));
  };

  return {
    // Before the team's handler: a held connection never reaches it.
    before: async (request) => {
      if (routeKeyOf(request) !== '$connect') return undefined;
      connectionIdOf(request.event);
      // Bad input first: a malformed key is the client's to fix, whatever the deployment window.
      const key = frameKeyOfConnect(request.event);
      if ('refused' in key) return key.refused;
      (request.internal as Record<string, unknown>)[frameKeyKey] = key.frameKey;
      return holdDuringDeployment(firstLook, clock);
    },
    after: async (request) => {
      const routeKey = routeKeyOf(request);
      if (routeKey === '$disconnect') return removeOnce(request);
      // After the team's handler, and only if it let the connection in: a connection it refuses
      // is closed by API Gateway, and left in the registry it would be suspended and resumed
      // (410) for nothing until its expiry.
      if (routeKey === '$connect' && accepts(request.response)) {
        // `allow` only tags what it lets in: a window a second old is good enough for that.
        const admitting = gate?.newConnections === 'allow' ? firstLook : gate;
        const held = await admitConnection(
          { registry, clock, gate: admitting },
          connectionIdOf(request.event),
          frameKeyOf(request),
        );
        if (held) request.response = held;
      }
    },
    // API Gateway has closed the connection whatever the team's handler did.
    onError: async (request) => {
      if (routeKeyOf(request) === '$disconnect') await removeOnce(request);
    },
  };
}

/** The frame key `before` read from the $connect event, if the client connected with one. */
function frameKeyOf(request: RouteRequest): string | undefined {
  const frameKey = (request.internal as Record<string, unknown>)[frameKeyKey];
  return typeof frameKey === 'string' ? frameKey : undefined;
}

function routeKeyOf(request: RouteRequest): unknown {
  return request.event?.requestContext?.routeKey;
}

/** Whether API Gateway accepts the connection: no status, or a 2xx one. */
function accepts(response: RouteResponse | null | undefined): boolean {
  const statusCode = response?.statusCode;
  return typeof statusCode !== 'number' || (statusCode >= 200 && statusCode < 300);
}

function checkOptions(options: WsChannelsRegistryOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('wsChannelsRegistry: options must be an object');
  }
  for (const name of ['connectionsTable', 'runsTable'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
      throw new TypeError(`wsChannelsRegistry: ${name} must be a non-empty string`);
    }
  }
  const policy = options.newConnectionsDuringDeployment;
  if (policy !== undefined && !newConnectionsPolicies.includes(policy)) {
    throw new TypeError(
      `wsChannelsRegistry: newConnectionsDuringDeployment must be one of ${newConnectionsPolicies.join(', ')}`,
    );
  }
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw new TypeError('wsChannelsRegistry: client and clientConfig: give one, not both');
  }
  const methods = { registry: ['register', 'remove'], window: ['read'], clock: ['now'] } as const;
  for (const [name, needed] of Object.entries(methods)) {
    const value = options[name as keyof typeof methods] as Record<string, unknown> | undefined;
    if (value === undefined) continue;
    if (
      typeof value !== 'object' ||
      value === null ||
      needed.some((m) => typeof value[m] !== 'function')
    ) {
      throw new TypeError(`wsChannelsRegistry: ${name} must have ${needed.join(' and ')}`);
    }
  }
}
