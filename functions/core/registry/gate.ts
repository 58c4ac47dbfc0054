import type { Clock, ConnectionRegistry } from '../ports.js';
import { frameKeyOfConnect } from '../protocol/frame-key.js';
import {
  connectionIdOf,
  heldDuringDeployment,
  ok,
  type RouteResponse,
  type WebSocketRouteEvent,
} from '../protocol/routes.js';
import {
  type DeploymentWindow,
  isWindowOpen,
  type NewConnectionsPolicy,
} from './deployment-window.js';

// The registry as $connect and $disconnect keep it: the gate that holds new connections while a
// deployment window is open (edeliver's suspended acceptors), the registration of the ones let
// in, and their removal.

/** API Gateway closes every WebSocket connection after 2 hours; the margin covers clock skew. */
export const connectionLifetimeSeconds = 2 * 60 * 60;
export const expiryMarginSeconds = 10 * 60;

/** The $connect gate: what edeliver's SuspendRanchAcceptors does for a Phoenix app. */
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
  frameKey?: string,
): Promise<void> {
  const connectedAt = deps.clock.now();
  const expiresAt =
    Math.floor(connectedAt / 1000) + connectionLifetimeSeconds + expiryMarginSeconds;
  await deps.registry.register({ connectionId, connectedAt, expiresAt, ...keyed(frameKey) });
}

/** The frame key as a field of the item, or no field at all for a client without one. */
const keyed = (frameKey: string | undefined) => (frameKey === undefined ? {} : { frameKey });

export function registerConnection(deps: {
  registry: ConnectionRegistry;
  clock: Clock;
  /** Without a gate every connection gets in. */
  gate?: ConnectGate;
}) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    const connectionId = connectionIdOf(event);
    const key = frameKeyOfConnect(event);
    if ('refused' in key) return key.refused;
    const held = await holdDuringDeployment(deps.gate, deps.clock);
    if (held) return held;
    await recordConnection(deps, connectionId, key.frameKey);
    return ok;
  };
}

export function unregisterConnection(deps: { registry: ConnectionRegistry }) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    await deps.registry.remove(connectionIdOf(event));
    return ok;
  };
}
