import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import type {
  ChannelStore,
  ChannelTarget,
  ConnectionRegistry,
  RunIdentity,
  StoreSession,
} from '../../../../functions/core/ports.js';
import { registerConnection } from '../../../../functions/core/registry/gate.js';
import {
  type RunChannelsOptions,
  runChannels,
} from '../../../../functions/core/run/run-channels.js';
import {
  httpError,
  InMemoryDeploymentWindow,
  InMemoryRunLease,
  InMemoryRunRecords,
  RecordingLogger,
  ScriptedPoster,
} from '../../../support/fakes.js';

// The deployment window: the $connect gate (edeliver's suspended acceptors) and sibling
// deployment groups of one stack sharing one suspend and one resume.

type Status = { status: 'active' } | { status: 'suspended'; suspendedBy: string };

/** Connections as the Connections table keeps them, seen by a suspend or a resume store. */
class SharedRegistry implements ConnectionRegistry {
  readonly items = new Map<string, Status>();
  async register(connection: { connectionId: string }) {
    this.items.set(connection.connectionId, { status: 'active' });
  }
  async remove(connectionId: string) {
    this.items.delete(connectionId);
  }
  storeFor(kind: 'suspend' | 'resume'): ChannelStore {
    const wanted = (item: Status) => item.status === (kind === 'suspend' ? 'active' : 'suspended');
    const targetsNow = (): ChannelTarget[] =>
      [...this.items]
        .filter(([, item]) => wanted(item))
        .map(([connectionId, item]) => ({
          connectionId,
          suspendedBy: item.status === 'suspended' ? item.suspendedBy : null,
          resumeAttempts: 0,
        }));
    return {
      count: async () => targetsNow().length,
      pages: async function* (_run: RunIdentity, _session: StoreSession) {
        yield targetsNow();
      },
      recorder: (run: RunIdentity) => ({
        record: ({ target, failure }, recorded) => {
          if (!failure || kind === 'suspend') {
            this.items.set(
              target.connectionId,
              kind === 'suspend'
                ? { status: 'suspended', suspendedBy: run.runId }
                : { status: 'active' },
            );
          }
          recorded('written');
        },
        flush: async () => ({ skipped: 0, unrecorded: 0, calls: 0 }),
      }),
    };
  }
}

function deployment() {
  const registry = new SharedRegistry();
  const window = new InMemoryDeploymentWindow();
  const lease = new InMemoryRunLease();
  const records = new InMemoryRunRecords();
  const logger = new RecordingLogger();
  const poster = new ScriptedPoster(() => new Promise((resolve) => setTimeout(resolve, 20)));
  let runs = 0;
  const run = (
    kind: 'suspend' | 'resume',
    event: Record<string, unknown>,
    overrides: Partial<RunChannelsOptions> = {},
  ) => {
    const options: RunChannelsOptions = {
      kind,
      invocation: parseInvocation(event),
      settings: {
        concurrency: 2,
        timeoutMs: 1_000,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: undefined,
        resumeExpectedWithinMs: 60_000,
      },
      store: registry.storeFor(kind),
      undoStoreFor: kind === 'suspend' ? () => registry.storeFor('resume') : undefined,
      poster,
      lease,
      records,
      logger,
      clock: { now: () => Date.now() },
      remainingTimeMs: () => 600_000,
      newRunId: (runKind) => `${runKind}-${++runs}`,
      window,
      ...overrides,
    };
    return runChannels(options);
  };
  const hook = (deploymentId: string, hookId: string) => ({
    DeploymentId: deploymentId,
    LifecycleEventHookExecutionId: hookId,
  });
  const gate = registerConnection({
    registry,
    clock: { now: () => Date.now() },
    gate: { window, newConnections: 'hold' },
  });
  const connect = (connectionId: string) =>
    gate({ requestContext: { connectionId, routeKey: '$connect' } });
  return { registry, window, lease, records, logger, poster, run, hook, connect };
}

const framesOf = (poster: ScriptedPoster, id: string) =>
  (poster.frames.get(id) ?? []).map((frame) => (JSON.parse(frame) as { type: string }).type);

describe('sibling deployment groups of one stack', () => {
  it('suspend A, suspend B (waits, then nothing to do), resume A (B still shifting), resume B (everyone, window closed)', async () => {
    // Prepare: five clients connected before the deployment.
    const { registry, window, lease, records, poster, run, hook, connect } = deployment();
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) await connect(id);

    // Act: CloudFormation starts both groups' BeforeAllowTraffic at once.
    const suspendA = run('suspend', hook('d-A', 'before-A'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const suspendB = run('suspend', hook('d-B', 'before-B'));
    const [a, b] = await Promise.all([suspendA, suspendB]);

    // Assess: A suspended everyone; B waited for A's lease and found nothing active.
    expect(a).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded', counts: { delivered: 5 } });
    expect(b).toMatchObject({ outcome: 'none', hookStatus: 'Succeeded', counts: { total: 0 } });
    expect(lease.requests.filter((id) => id === b.runId).length).toBeGreaterThan(1);
    expect(window.state?.deployments).toEqual(['d-A', 'd-B']);
    // A client that connects now is held: refused, never registered.
    expect(await connect('late')).toMatchObject({ statusCode: 429 });
    expect(registry.items.has('late')).toBe(false);

    // Act: A's traffic has shifted; B's still shifts.
    const resumeA = await run('resume', hook('d-A', 'after-A'));

    // Assess: nobody resumed, the window still holds B; A's hook succeeds and says why.
    expect(resumeA).toMatchObject({
      kind: 'resume',
      outcome: 'none',
      hookStatus: 'Succeeded',
      siblingDeployments: ['d-B'],
    });
    expect(resumeA.message).toMatch(/Sibling deployments still shifting traffic: d-B\./);
    expect(records.saved.get(resumeA.runId)).toMatchObject({ siblingDeployments: ['d-B'] });
    expect(framesOf(poster, 'c1')).toEqual(['suspend']);
    expect(window.state?.deployments).toEqual(['d-B']);
    expect(await connect('late')).toMatchObject({ statusCode: 429 });

    // Act: the last group's traffic has shifted.
    const resumeB = await run('resume', hook('d-B', 'after-B'));

    // Assess: everyone resumed once, the window closed, a new client gets in.
    expect(resumeB).toMatchObject({ outcome: 'ok', counts: { total: 5, delivered: 5 } });
    for (const id of ['c1', 'c2', 'c3', 'c4', 'c5']) {
      expect(framesOf(poster, id)).toEqual(['suspend', 'resume']);
      expect(registry.items.get(id)).toEqual({ status: 'active' });
    }
    expect(window.state).toBeUndefined();
    expect(await connect('late')).toEqual({ statusCode: 200 });
    expect(registry.items.get('late')).toEqual({ status: 'active' });
  });

  it('the two resumes at once: exactly one resumes everyone', async () => {
    const { registry, window, poster, run, hook, connect } = deployment();
    for (const id of ['c1', 'c2', 'c3']) await connect(id);
    await run('suspend', hook('d-A', 'before-A'));
    await run('suspend', hook('d-B', 'before-B'));

    const results = await Promise.all([
      run('resume', hook('d-A', 'after-A')),
      run('resume', hook('d-B', 'after-B')),
    ]);

    expect(results.map((summary) => summary.counts.delivered).sort()).toEqual([0, 3]);
    expect(results.filter((summary) => summary.siblingDeployments)).toHaveLength(1);
    for (const id of ['c1', 'c2', 'c3'])
      expect(framesOf(poster, id)).toEqual(['suspend', 'resume']);
    expect(registry.items.get('c1')).toEqual({ status: 'active' });
    expect(window.state).toBeUndefined();
  });

  it('a suspend that fails and undoes itself leaves the window, which closes when no sibling is left', async () => {
    const { window, run, hook, connect, registry } = deployment();
    for (const id of ['c1', 'c2']) await connect(id);
    const failingPoster = new ScriptedPoster((id) => {
      if (id === 'c1' && failingPoster.frames.size === 0) throw httpError(500);
    });

    const summary = await run('suspend', hook('d-A', 'before-A'), {
      poster: failingPoster,
      settings: {
        concurrency: 1,
        timeoutMs: 1_000,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: 0.1,
        resumeExpectedWithinMs: 60_000,
      },
    });

    expect(summary.hookStatus).toBe('Failed');
    expect(summary.undo).toMatchObject({ outcome: 'ok' });
    expect(window.calls).toEqual(['open suspend-1', 'leave d-A', 'close']);
    expect(window.state).toBeUndefined();
    expect(await connect('late')).toEqual({ statusCode: 200 });
    expect(registry.items.get('c2')).toEqual({ status: 'active' });
  });

  it('a failed suspend with a sibling in the window leaves it open for the sibling', async () => {
    const { window, run, hook } = deployment();
    await run('suspend', hook('d-B', 'before-B'));
    await expect(
      run('suspend', hook('d-A', 'before-A'), { store: failingStore() }),
    ).rejects.toThrow('the registry read failed');

    expect(window.state?.deployments).toEqual(['d-B']);
    expect(window.calls.slice(-2)).toEqual(['leave d-A', 'close']);
  });

  it('a manual suspend opens the window; a manual resume closes it whatever deployments it holds', async () => {
    const { window, run, hook, connect } = deployment();
    await connect('c1');
    await run('suspend', {});
    expect(window.state).toMatchObject({ openedBy: 'suspend-1', deployments: [] });
    await run('suspend', hook('d-A', 'before-A'));
    expect(await connect('late')).toMatchObject({ statusCode: 429 });

    const resume = await run('resume', {});

    expect(resume).toMatchObject({ outcome: 'ok', counts: { delivered: 1 } });
    expect(window.calls.at(-1)).toBe('close (force)');
    expect(window.state).toBeUndefined();
  });

  it('a manual resume of chosen connections, and a dry run, leave the window as it is', async () => {
    const { window, run, connect } = deployment();
    await connect('c1');
    await connect('c2');
    await run('suspend', {});

    await run('resume', { connectionIds: ['c1'] });
    await run('resume', { dryRun: true });
    await run('suspend', { dryRun: true });

    expect(window.calls).toEqual(['open suspend-1']);
    expect(window.state).toBeDefined();
  });

  it('a resume with no window, or one past its bound, resumes everyone (as before)', async () => {
    const { window, run, hook, connect, poster } = deployment();
    await connect('c1');
    await run('suspend', hook('d-A', 'before-A'), {
      settings: {
        concurrency: 1,
        timeoutMs: 1_000,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: undefined,
        resumeExpectedWithinMs: 1,
      },
    });
    // The sibling's suspend died before its resume; its bound has passed.
    if (window.state) window.state = { ...window.state, deployments: ['d-A', 'd-dead'] };
    await new Promise((resolve) => setTimeout(resolve, 5));

    const resume = await run('resume', hook('d-A', 'after-A'));

    expect(resume).toMatchObject({ outcome: 'ok', counts: { delivered: 1 } });
    expect(framesOf(poster, 'c1')).toEqual(['suspend', 'resume']);
  });

  it('a window write that fails is logged and the run goes on as without one', async () => {
    const { window, run, hook, connect, logger } = deployment();
    await connect('c1');
    window.open = async () => {
      throw new Error('throttled');
    };

    const summary = await run('suspend', hook('d-A', 'before-A'));

    expect(summary).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded' });
    expect(logger.messages('warn')).toContain(
      'Could not open the deployment window; the run goes on without it.',
    );
  });
});

/** A suspend store whose page read fails after the count: the run crashes and undoes itself. */
function failingStore(): ChannelStore {
  return {
    count: async () => 1,
    pages: async function* () {
      yield [];
      throw new Error('the registry read failed');
    },
    recorder: () => ({
      record: (_result, recorded) => recorded('written'),
      flush: async () => ({ skipped: 0, unrecorded: 0, calls: 0 }),
    }),
  };
}
