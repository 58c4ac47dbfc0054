import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../../functions/core/errors.js';
import type { ConnectionRegistry } from '../../../../functions/core/ports.js';
import { heldDuringDeployment } from '../../../../functions/core/protocol/routes.js';
import {
  connectionLifetimeSeconds,
  expiryMarginSeconds,
  registerConnection,
  unregisterConnection,
} from '../../../../functions/core/registry/gate.js';
import { InMemoryDeploymentWindow } from '../../../support/fakes.js';

class InMemoryRegistry implements ConnectionRegistry {
  readonly items = new Map<string, { connectedAt: number; expiresAt: number }>();
  async register(connection: { connectionId: string; connectedAt: number; expiresAt: number }) {
    this.items.set(connection.connectionId, connection);
  }
  async remove(connectionId: string) {
    this.items.delete(connectionId);
  }
}

const event = (connectionId: unknown, body?: unknown) => ({
  requestContext: { connectionId, routeKey: '$default' },
  body,
});

describe('registerConnection behind the deployment window (NEW_CONNECTIONS_DURING_DEPLOYMENT)', () => {
  const now = 1_700_000_000_000;
  const gated = (newConnections: 'hold' | 'allow') => {
    const registry = new InMemoryRegistry();
    const window = new InMemoryDeploymentWindow();
    let reads = 0;
    const counted = {
      read: () => {
        reads++;
        return window.read();
      },
    };
    const handler = registerConnection({
      registry,
      clock: { now: () => now },
      gate: { window: counted, newConnections },
    });
    return { registry, window, handler, reads: () => reads };
  };

  it('hold: refuses a connection while the window is open, with a 4xx, and registers nothing', async () => {
    const { registry, window, handler } = gated('hold');
    window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: ['d-1'],
    };

    const response = await handler(event('new='));

    expect(response).toEqual(heldDuringDeployment);
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(registry.items.size).toBe(0);
  });

  it('hold: lets it in once the window is closed', async () => {
    const { registry, window, handler } = gated('hold');
    window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: [],
    };
    await window.close({ force: true });

    expect(await handler(event('new='))).toEqual({ statusCode: 200 });
    expect(registry.items.has('new=')).toBe(true);
  });

  it('hold: a window past its bound (its run died) counts as closed', async () => {
    const { registry, window, handler } = gated('hold');
    window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-dead',
      openUntil: now,
      deployments: ['d-dead'],
    };

    expect(await handler(event('new='))).toEqual({ statusCode: 200 });
    expect(registry.items.has('new=')).toBe(true);
  });

  it("allow: registers it during the window, tagged with the window's id (one read, no refusal)", async () => {
    const { registry, window, handler, reads } = gated('allow');
    window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: ['d-1'],
    };

    expect(await handler(event('new='))).toEqual({ statusCode: 200 });
    expect(registry.items.get('new=')).toMatchObject({ admittedInWindow: 'w-1' });
    expect(reads()).toBe(1);
  });
});

describe('registerConnection', () => {
  it('registers the connection with an expiry of two hours plus a margin', async () => {
    const registry = new InMemoryRegistry();
    const handler = registerConnection({ registry, clock: { now: () => 1_700_000_000_500 } });

    const response = await handler(event('abc='));

    expect(response).toEqual({ statusCode: 200 });
    expect(registry.items.get('abc=')).toEqual({
      connectionId: 'abc=',
      connectedAt: 1_700_000_000_500,
      expiresAt: 1_700_000_000 + connectionLifetimeSeconds + expiryMarginSeconds,
    });
  });

  it('registers the frame key of the query string, and refuses a malformed one with 400', async () => {
    const registry = new InMemoryRegistry();
    const handler = registerConnection({ registry, clock: { now: () => 1_700_000_000_500 } });
    const frameKey = 'q0Zk7yJ3-aB_9xYwVuTs1w';

    const keyed = await handler({
      ...event('k='),
      queryStringParameters: { wsChannelsKey: frameKey },
    });
    const malformed = await handler({
      ...event('m='),
      queryStringParameters: { wsChannelsKey: 'not-a-key' },
    });

    expect(keyed).toEqual({ statusCode: 200 });
    expect(registry.items.get('k=')).toMatchObject({ connectionId: 'k=', frameKey });
    expect(malformed.statusCode).toBe(400);
    expect(registry.items.has('m=')).toBe(false);
  });

  it.each([
    ['no requestContext', {}],
    ['a numeric connectionId', event(42)],
    ['an empty connectionId', event('')],
  ])('rejects an event with %s, naming the field', async (_label, bad) => {
    const handler = registerConnection({
      registry: new InMemoryRegistry(),
      clock: { now: () => 0 },
    });
    await expect(handler(bad)).rejects.toThrow(InvalidEventError);
    await expect(handler(bad)).rejects.toThrow(/requestContext\.connectionId/);
  });
});

describe('unregisterConnection', () => {
  it('removes the connection', async () => {
    const registry = new InMemoryRegistry();
    await registry.register({ connectionId: 'abc=', connectedAt: 1, expiresAt: 2 });

    await unregisterConnection({ registry })(event('abc='));

    expect(registry.items.has('abc=')).toBe(false);
  });
});
