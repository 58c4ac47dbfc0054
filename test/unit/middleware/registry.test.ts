import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { readRegistryConfig } from '../../../functions/config/read-config.js';
import { ConfigurationError } from '../../../functions/core/errors.js';
import type { ConnectionRegistry } from '../../../functions/core/ports.js';
import {
  heldDuringDeployment,
  type RouteResponse,
  type WebSocketRouteEvent,
} from '../../../functions/core/protocol/routes.js';
import {
  type WsChannelsRegistryOptions,
  wsChannelsRegistry,
} from '../../../functions/middleware/registry.js';
import { InMemoryDeploymentWindow } from '../../support/fakes.js';

const now = 1_700_000_000_000;
const clock = { now: () => now };

class InMemoryRegistry implements ConnectionRegistry {
  readonly items = new Map<string, { connectedAt: number; expiresAt: number }>();
  readonly calls: string[] = [];
  async register(connection: { connectionId: string; connectedAt: number; expiresAt: number }) {
    this.calls.push(`register ${connection.connectionId}`);
    this.items.set(connection.connectionId, connection);
  }
  async remove(connectionId: string) {
    this.calls.push(`remove ${connectionId}`);
    this.items.delete(connectionId);
  }
}

const event = (
  routeKey: string,
  connectionId = 'c-1',
  query?: Record<string, string>,
): WebSocketRouteEvent => ({
  requestContext: { connectionId, routeKey },
  ...(query ? { queryStringParameters: query } : {}),
});
const frameKey = 'q0Zk7yJ3-aB_9xYwVuTs1w';

/** A team's handler wrapped with the middleware, recording when it ran against the registry. */
function teamHandler(
  answer: () => Promise<RouteResponse>,
  options: Partial<WsChannelsRegistryOptions> = {},
) {
  const registry = new InMemoryRegistry();
  const window = new InMemoryDeploymentWindow();
  const handler = middy<WebSocketRouteEvent, RouteResponse | undefined>(async () => {
    registry.calls.push('team handler');
    return answer();
  }).use(wsChannelsRegistry({ registry, window, clock, ...options }));
  return { handler, registry, window };
}

const context = {} as never;

describe('wsChannelsRegistry on $connect', () => {
  it("registers the connection as active after the team's handler let it in", async () => {
    // Prepare
    const { handler, registry } = teamHandler(async () => ({ statusCode: 200 }));
    // Act
    const response = await handler(event('$connect'), context);
    // Assess
    expect(response).toEqual({ statusCode: 200 });
    expect(registry.calls).toEqual(['team handler', 'register c-1']);
    expect(registry.items.get('c-1')).toEqual({
      connectionId: 'c-1',
      connectedAt: now,
      expiresAt: Math.floor(now / 1000) + 2 * 60 * 60 + 10 * 60,
    });
  });

  it("does not register a connection the team's handler refuses, or one it failed on", async () => {
    const refusing = teamHandler(async () => ({ statusCode: 401, body: 'no token' }));
    expect(await refusing.handler(event('$connect'), context)).toEqual({
      statusCode: 401,
      body: 'no token',
    });
    expect(refusing.registry.calls).toEqual(['team handler']);

    const failing = teamHandler(async () => {
      throw new Error('the app is down');
    });
    await expect(failing.handler(event('$connect'), context)).rejects.toThrow('the app is down');
    expect(failing.registry.items.size).toBe(0);
  });

  it("refuses with 429 while a deployment window is open, before the team's handler runs", async () => {
    const { handler, registry, window } = teamHandler(async () => ({ statusCode: 200 }));
    window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: ['d-1'],
    };

    expect(await handler(event('$connect'), context)).toEqual(heldDuringDeployment);
    expect(heldDuringDeployment.statusCode).toBe(429);
    expect(registry.calls).toEqual([]);
  });

  it('lets connections in past the bound of a window, and during one when the policy is allow', async () => {
    const past = teamHandler(async () => ({ statusCode: 200 }));
    past.window.state = { windowId: 'w-1', openedBy: 'suspend-1', openUntil: now, deployments: [] };
    expect(await past.handler(event('$connect'), context)).toEqual({ statusCode: 200 });
    expect(past.registry.items.has('c-1')).toBe(true);

    const allowing = teamHandler(async () => ({ statusCode: 200 }), {
      newConnectionsDuringDeployment: 'allow',
    });
    allowing.window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: [],
    };
    expect(await allowing.handler(event('$connect'), context)).toEqual({ statusCode: 200 });
    expect(allowing.registry.calls).toEqual(['team handler', 'register c-1']);
  });
});

describe('wsChannelsRegistry and the frame key on $connect (wsChannelsKey)', () => {
  it('stores the key the client connected with in the registry item', async () => {
    // Prepare
    const { handler, registry } = teamHandler(async () => ({ statusCode: 200 }));
    // Act
    const response = await handler(
      event('$connect', 'c-1', { wsChannelsKey: frameKey, room: 'lobby' }),
      context,
    );
    // Assess
    expect(response).toEqual({ statusCode: 200 });
    expect(registry.items.get('c-1')).toEqual({
      connectionId: 'c-1',
      connectedAt: now,
      expiresAt: Math.floor(now / 1000) + 2 * 60 * 60 + 10 * 60,
      frameKey,
    });
  });

  it("refuses a malformed key with a 400 naming the parameter, before the team's handler", async () => {
    for (const bad of ['', 'short', `${frameKey}x`, 'q0Zk7yJ3+aB/9xYwVuTs1w']) {
      const { handler, registry } = teamHandler(async () => ({ statusCode: 200 }));

      const response = await handler(event('$connect', 'c-1', { wsChannelsKey: bad }), context);

      expect(response?.statusCode).toBe(400);
      expect(response?.body).toMatch(/wsChannelsKey.*22 characters of base64url/);
      expect(registry.calls).toEqual([]);
    }
  });

  it('keeps the key of a connection let in during a window (allow) beside the window tag', async () => {
    const { handler, registry, window } = teamHandler(async () => ({ statusCode: 200 }), {
      newConnectionsDuringDeployment: 'allow',
    });
    window.state = { windowId: 'w-1', openedBy: 's-1', openUntil: now + 60_000, deployments: [] };

    await handler(event('$connect', 'c-3', { wsChannelsKey: frameKey }), context);

    expect(registry.items.get('c-3')).toMatchObject({ admittedInWindow: 'w-1', frameKey });
  });

  it('registers a connection without a key as before, with no frameKey', async () => {
    const { handler, registry } = teamHandler(async () => ({ statusCode: 200 }));

    await handler(event('$connect', 'c-2', { room: 'lobby' }), context);

    expect(registry.calls).toEqual(['team handler', 'register c-2']);
    expect(registry.items.get('c-2')).not.toHaveProperty('frameKey');
  });
});

describe('wsChannelsRegistry: the $connect gate has no gap (issue 17, item 6)', () => {
  const opened = {
    windowId: 'w-1',
    openedBy: 'suspend-1',
    openUntil: now + 60_000,
    deployments: ['d-1'],
  };

  it("refuses a slow $connect whose window opened while the team's handler ran: nothing stays registered", async () => {
    // Prepare: the window is closed when the gate looks; a suspend opens it while the team's
    // handler takes its time (a slow $connect of 2 s, a suspend started 0.5 s after it).
    const { handler, registry, window } = teamHandler(async () => {
      window.state = opened;
      return { statusCode: 200 };
    });

    // Act
    const response = await handler(event('$connect'), context);

    // Assess: refused, and not left in the registry for the suspend to miss or to post to.
    expect(response).toEqual(heldDuringDeployment);
    expect(registry.calls).toEqual(['team handler', 'register c-1', 'remove c-1']);
    expect(registry.items.size).toBe(0);
  });

  it('tags a connection let in during a window (allow), so that its suspend leaves it alone', async () => {
    const { handler, registry, window } = teamHandler(async () => ({ statusCode: 200 }), {
      newConnectionsDuringDeployment: 'allow',
    });
    window.state = opened;

    expect(await handler(event('$connect'), context)).toEqual({ statusCode: 200 });
    expect(registry.items.get('c-1')).toMatchObject({ admittedInWindow: 'w-1' });
  });

  it('reads the window for refused connections at most once a second per container', async () => {
    const { handler, window } = teamHandler(async () => ({ statusCode: 200 }));
    window.state = opened;
    let reads = 0;
    const read = window.read.bind(window);
    window.read = async () => {
      reads++;
      return read();
    };

    for (let connect = 0; connect < 20; connect++) {
      expect(await handler(event('$connect', `c-${connect}`), context)).toEqual(
        heldDuringDeployment,
      );
    }

    expect(reads).toBe(1);
  });
});

describe('wsChannelsRegistry on $disconnect and other routes', () => {
  it("removes the connection after the team's handler", async () => {
    const { handler, registry } = teamHandler(async () => ({ statusCode: 200 }));
    await registry.register({ connectionId: 'c-1', connectedAt: now, expiresAt: 1 });
    registry.calls.length = 0;

    await handler(event('$disconnect'), context);

    expect(registry.calls).toEqual(['team handler', 'remove c-1']);
    expect(registry.items.size).toBe(0);
  });

  it("removes it also when the team's handler failed (API Gateway closed it anyway)", async () => {
    const { handler, registry } = teamHandler(async () => {
      throw new Error('cleanup failed');
    });
    await expect(handler(event('$disconnect'), context)).rejects.toThrow('cleanup failed');
    expect(registry.calls).toEqual(['team handler', 'remove c-1']);
  });

  it('tries a failed removal once', async () => {
    const { handler, registry } = teamHandler(async () => ({ statusCode: 200 }));
    let removals = 0;
    registry.remove = async () => {
      removals++;
      throw new Error('DynamoDB is down');
    };
    await expect(handler(event('$disconnect'), context)).rejects.toThrow('DynamoDB is down');
    expect(removals).toBe(1);
  });

  it('passes every other route through untouched, even while a window is open', async () => {
    const { handler, registry, window } = teamHandler(async () => ({
      statusCode: 200,
      body: 'echo',
    }));
    window.state = {
      windowId: 'w-1',
      openedBy: 'suspend-1',
      openUntil: now + 60_000,
      deployments: [],
    };

    for (const routeKey of ['$default', 'sendMessage', 'ws-channels.ping']) {
      expect(await handler(event(routeKey), context)).toEqual({ statusCode: 200, body: 'echo' });
    }
    expect(registry.calls).toEqual(['team handler', 'team handler', 'team handler']);
  });
});

describe('wsChannelsRegistry options', () => {
  it('checks its options once, with a TypeError that names the option', () => {
    const cases: Array<[WsChannelsRegistryOptions, RegExp]> = [
      [{ connectionsTable: '' }, /connectionsTable/],
      [{ runsTable: 42 as never }, /runsTable/],
      [{ newConnectionsDuringDeployment: 'queue' as never }, /newConnectionsDuringDeployment/],
      [{ client: new DynamoDBClient({}), clientConfig: {} } as never, /client and clientConfig/],
      [{ registry: {} as never }, /registry must have register and remove/],
      [{ window: { open: () => undefined } as never }, /window must have read/],
      [{ clock: Date as never }, /clock must have now/],
    ];
    for (const [options, message] of cases) {
      expect(() => wsChannelsRegistry({ environment: {}, ...options })).toThrow(TypeError);
      expect(() => wsChannelsRegistry({ environment: {}, ...options })).toThrow(message);
    }
  });

  it('reads the tables and the policy from the environment where the options leave them out', () => {
    expect(() => wsChannelsRegistry({ environment: {} })).toThrow(ConfigurationError);
    expect(() => wsChannelsRegistry({ environment: {} })).toThrow(
      /CONNECTIONS_TABLE is not set.*RUNS_TABLE is not set/s,
    );
    expect(() =>
      wsChannelsRegistry({ environment: { CONNECTIONS_TABLE: 'c', RUNS_TABLE: 'r' } }),
    ).not.toThrow();
    expect(() =>
      wsChannelsRegistry({
        connectionsTable: 'c',
        runsTable: 'r',
        clientConfig: { region: 'eu-west-1' },
        environment: {},
      }),
    ).not.toThrow();
  });

  it('needs no Runs table when new connections are allowed, nor a table an adapter replaces', () => {
    const given = { hasRegistry: false, hasWindow: false };
    expect(
      readRegistryConfig(given, {
        CONNECTIONS_TABLE: 'c',
        NEW_CONNECTIONS_DURING_DEPLOYMENT: 'allow',
      }),
    ).toEqual({
      connectionsTable: 'c',
      runsTable: undefined,
      newConnectionsDuringDeployment: 'allow',
    });
    expect(readRegistryConfig({ hasRegistry: true, hasWindow: true }, {})).toEqual({
      connectionsTable: undefined,
      runsTable: undefined,
      newConnectionsDuringDeployment: 'hold',
    });
    expect(() =>
      readRegistryConfig(given, { CONNECTIONS_TABLE: 'c', NEW_CONNECTIONS_DURING_DEPLOYMENT: 'x' }),
    ).toThrow(/NEW_CONNECTIONS_DURING_DEPLOYMENT is "x"; expected one of hold, allow/);
  });
});
