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
 * `hold`; undefined when it may get in. A first look, before the app's own $connect code: the
 * window may be read through a short cache here, since admitConnection looks again.
 */
export async function holdDuringDeployment(
  gate: ConnectGate | undefined,
  clock: Clock,
): Promise<RouteResponse | undefined> {
  if (gate?.newConnections === 'hold' && isWindowOpen(await gate.window.read(), clock.now())) {
    return heldDuringDeployment;
  }
  return undefined;
}

/**
 * The deployment window read at most once per `ttlMs`: a crowd of connections refused during a
 * window costs one strongly consistent read of its hot item a second per container, not one each.
 */
export function cachedWindow(
  window: Pick<DeploymentWindow, 'read'>,
  clock: Clock,
  ttlMs = 1_000,
): Pick<DeploymentWindow, 'read'> {
  let cached: { at: number; state: ReturnType<DeploymentWindow['read']> } | undefined;
  return {
    read: () => {
      const now = clock.now();
      if (!cached || now - cached.at >= ttlMs) {
        cached = { at: now, state: window.read() };
        // A failed read is not kept: the next connection reads again.
        cached.state.catch(() => {
          cached = undefined;
        });
      }
      return cached.state;
    },
  };
}

/** Registers a connection as active, to expire a little after API Gateway closes it. */
export async function recordConnection(
  deps: { registry: ConnectionRegistry; clock: Clock },
  connectionId: string,
  admittedInWindow?: string,
  frameKey?: string,
): Promise<void> {
  const connectedAt = deps.clock.now();
  const expiresAt =
    Math.floor(connectedAt / 1000) + connectionLifetimeSeconds + expiryMarginSeconds;
  await deps.registry.register({
    connectionId,
    connectedAt,
    expiresAt,
    ...(admittedInWindow === undefined ? {} : { admittedInWindow }),
    ...(frameKey === undefined ? {} : { frameKey }),
  });
}

/**
 * Lets in a connection the app accepted, with no gap for a suspend to miss it. With `hold`, it
 * registers first and then reads the window (consistently): a suspend opens the window before
 * its consistent Scan, so either this read sees the window open (the connection is refused and
 * taken out of the registry) or the Scan sees the registration (the connection is suspended).
 * With `allow`, a connection let in while a window is open carries the window's id, and that
 * window's suspend leaves it alone. No time from two Lambdas' clocks is compared.
 */
export async function admitConnection(
  deps: { registry: ConnectionRegistry; clock: Clock; gate?: ConnectGate | undefined },
  connectionId: string,
  frameKey?: string,
): Promise<RouteResponse | undefined> {
  const { gate, clock } = deps;
  if (gate?.newConnections === 'allow') {
    const state = await gate.window.read();
    const open = isWindowOpen(state, clock.now()) ? state?.windowId : undefined;
    await recordConnection(deps, connectionId, open, frameKey);
    return undefined;
  }
  await recordConnection(deps, connectionId, undefined, frameKey);
  if (gate?.newConnections === 'hold' && isWindowOpen(await gate.window.read(), clock.now())) {
    await deps.registry.remove(connectionId);
    return heldDuringDeployment;
  }
  return undefined;
}

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
    return (await admitConnection(deps, connectionId, key.frameKey)) ?? ok;
  };
}

export function unregisterConnection(deps: { registry: ConnectionRegistry }) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    await deps.registry.remove(connectionIdOf(event));
    return ok;
  };
}
