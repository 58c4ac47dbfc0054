import { InvalidEventError } from '../errors.js';
import type { Clock, ConnectionRegistry, DeploymentWindow, MessagePoster } from '../ports.js';
import { isWindowOpen, type NewConnectionsPolicy } from '../registry/deployment-window.js';

// The WebSocket route handlers: $connect registers, $disconnect removes, $default echoes,
// ws-channels.ping answers nothing. They take the parts of the API Gateway event they need and
// return the route response.

/** API Gateway closes every WebSocket connection after 2 hours; the margin covers clock skew. */
export const connectionLifetimeSeconds = 2 * 60 * 60;
export const expiryMarginSeconds = 10 * 60;

export interface WebSocketRouteEvent {
  requestContext?: { connectionId?: unknown; routeKey?: unknown } | null;
  body?: unknown;
  isBase64Encoded?: unknown;
}

export interface RouteResponse {
  statusCode: number;
  body?: string;
}

const ok: RouteResponse = { statusCode: 200 };

export function connectionIdOf(event: WebSocketRouteEvent | null | undefined): string {
  const connectionId = event?.requestContext?.connectionId;
  if (typeof connectionId !== 'string' || connectionId.length === 0) {
    throw new InvalidEventError(
      'The event has no requestContext.connectionId (a non-empty string); expected an API Gateway WebSocket event.',
    );
  }
  return connectionId;
}

/**
 * The answer to a connection held during a deployment window. Any status outside 2xx makes API
 * Gateway refuse the WebSocket handshake with it; 429 is the 4xx clients already read as "try
 * again later, with backoff". Browsers see only a socket that closes (1006) before it opens,
 * which the client helper's `connectWithRetry` takes the same way.
 */
export const heldDuringDeployment: RouteResponse = {
  statusCode: 429,
  body: 'A deployment is under way: connect again in a few seconds.',
};

/** The $connect gate: the seed's suspended acceptors. */
export interface ConnectGate {
  window: Pick<DeploymentWindow, 'read'>;
  newConnections: NewConnectionsPolicy;
}

/**
 * The answer that holds a new connection while a deployment window is open and the policy is
 * `hold`; undefined when it may get in.
 */
export async function holdDuringDeployment(
  gate: ConnectGate | undefined,
  clock: Clock,
): Promise<RouteResponse | undefined> {
  // Read at each connect (consistently): a window opened a moment ago holds this connection.
  if (gate?.newConnections === 'hold' && isWindowOpen(await gate.window.read(), clock.now())) {
    return heldDuringDeployment;
  }
  return undefined;
}

/** Registers a connection as active, to expire a little after API Gateway closes it. */
export async function recordConnection(
  deps: { registry: ConnectionRegistry; clock: Clock },
  connectionId: string,
): Promise<void> {
  const connectedAt = deps.clock.now();
  const expiresAt =
    Math.floor(connectedAt / 1000) + connectionLifetimeSeconds + expiryMarginSeconds;
  await deps.registry.register({ connectionId, connectedAt, expiresAt });
}

export function registerConnection(deps: {
  registry: ConnectionRegistry;
  clock: Clock;
  /** Without a gate every connection gets in. */
  gate?: ConnectGate;
}) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    const connectionId = connectionIdOf(event);
    const held = await holdDuringDeployment(deps.gate, deps.clock);
    if (held) return held;
    await recordConnection(deps, connectionId);
    return ok;
  };
}

export function unregisterConnection(deps: { registry: ConnectionRegistry }) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    await deps.registry.remove(connectionIdOf(event));
    return ok;
  };
}

/**
 * The stand-in for the application's own message handler: sends the message back to its sender.
 * A real app replaces functions/default.ts with its own handler (see README).
 */
export function echoMessage(deps: { poster: MessagePoster }) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    const connectionId = connectionIdOf(event);
    const body = event.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new InvalidEventError('The event body is not a string; expected the message text.');
    }
    const data =
      event.isBase64Encoded === true
        ? Buffer.from(body ?? '', 'base64')
        : Buffer.from(body ?? '', 'utf8');
    await deps.poster.post(connectionId, data);
    return ok;
  };
}

/**
 * The route key of the client helper's keep-alive (`{"action":"ws-channels.ping"}`): its own route
 * and function, never the app's alias, so a ping is answered while the app is being deployed.
 */
export const pingRouteKey = 'ws-channels.ping';

/**
 * Answers a keep-alive ping with nothing: the message itself is the traffic that keeps API Gateway
 * from closing the connection as idle (10 minutes with no message either way; README "The client
 * helper"). No route response, so the client gets nothing back and nothing is posted.
 */
export function answerPing() {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    connectionIdOf(event);
    return ok;
  };
}
