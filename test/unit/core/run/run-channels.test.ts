import { describe, expect, it } from 'vitest';
import {
  PreconditionFailedError,
  RegistryNotDetectedError,
} from '../../../../functions/core/errors.js';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import { runChannels } from '../../../../functions/core/run/run-channels.js';
import { httpError, InMemoryStore, ScriptedPoster, targets } from '../../../support/fakes.js';

import { setup } from '../../../support/run-setup.js';

describe('runChannels (resume)', () => {
  it("resumes every suspended connection, logs edeliver's lines and records a completed run", async () => {
    const store = new InMemoryStore(targets(30));
    const { options, logger, records, lease, poster } = setup({ store });

    const summary = await runChannels(options);

    expect(summary.outcome).toBe('ok');
    expect(summary.state).toBe('completed');
    expect(summary.counts).toMatchObject({ total: 30, delivered: 30, remaining: 0 });
    expect(summary.hookStatus).toBe('Succeeded');
    expect(logger.messages('info')).toEqual([
      'Resuming 30 websocket connections...',
      'Resumed 30 websocket connections.',
    ]);
    expect(poster.frames.size).toBe(30);
    const frame = JSON.parse(poster.frames.get('c7')?.[0] ?? '{}');
    expect(frame).toMatchObject({
      type: 'resume',
      runId: 'resume-test',
      suspendRunId: 'suspend-1',
    });
    expect(store.recorded).toHaveLength(30);
    expect(records.saves.map((save) => save.state)).toEqual(['running', 'completed']);
    expect(records.saved.get('resume-test')).toMatchObject({ outcome: 'ok', state: 'completed' });
    expect(lease.held).toBeUndefined();
  });

  it('reports none when nothing is suspended, counted while it holds the lease', async () => {
    const { options, logger, records, lease, poster } = setup({ store: new InMemoryStore([]) });

    const summary = await runChannels(options);

    expect(summary.outcome).toBe('none');
    expect(logger.messages('info')).toEqual([
      'No suspended websocket connections are waiting to be resumed.',
    ]);
    expect(poster.frames.size).toBe(0);
    expect(records.saves).toEqual([{ runId: 'resume-test', state: 'completed' }]);
    expect(lease.requests).toEqual(['resume-test']);
    expect(lease.held).toBeUndefined();
  });

  it('counts in a dry run and neither posts nor writes', async () => {
    const store = new InMemoryStore(targets(12));
    const { options, records, poster } = setup({
      store,
      invocation: parseInvocation({ dryRun: true }),
    });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ outcome: 'dry_run', dryRun: true, counts: { total: 12 } });
    expect(poster.frames.size).toBe(0);
    expect(store.recorded).toHaveLength(0);
    expect(store.pagesPulled).toBe(0);
    expect(records.saves).toHaveLength(0);
  });

  it('reports errors with the counts when some connections are gone', async () => {
    const store = new InMemoryStore(targets(10));
    const gone = new Set(['c3', 'c6']);
    const { options, logger } = setup({
      store,
      poster: new ScriptedPoster((id) => {
        if (gone.has(id)) throw httpError(410);
      }),
    });

    const summary = await runChannels(options);

    expect(summary.outcome).toBe('errors');
    expect(summary.counts).toMatchObject({ total: 10, delivered: 8, gone: 2 });
    expect(logger.messages('warn')).toEqual(['Resumed 8 of 10 websocket connections. 2 failed.']);
    expect(logger.messages('debug')).toEqual([
      '2 not resumed websockets might still hang for a while or might have been crashed.',
    ]);
    const warn = logger.lines.find((line) => line.level === 'warn');
    expect(warn?.fields?.counts).toMatchObject({ delivered: 8, gone: 2 });
    expect(summary.failures.map((failure) => failure.connectionId).sort()).toEqual(['c3', 'c6']);
    expect(summary.errorRatio).toBe(0);
  });

  it('reports not_supported when every connection is gone', async () => {
    const { options, logger } = setup({
      store: new InMemoryStore(targets(5)),
      poster: new ScriptedPoster(() => {
        throw httpError(410, 'GoneException');
      }),
    });

    const summary = await runChannels(options);

    expect(summary.outcome).toBe('not_supported');
    expect(summary.hookStatus).toBe('Succeeded');
    expect(logger.messages('warn')).toEqual(['Resuming websocket connections is not supported.']);
  });

  it('reports not_detected when the registry has no suspended index', async () => {
    const store = new InMemoryStore([], 10, new RegistryNotDetectedError('no index "suspended"'));
    const { options, logger, records } = setup({ store });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ outcome: 'not_detected', hookStatus: 'Succeeded' });
    expect(logger.messages('warn')).toEqual([
      'Resuming websocket connections is not supported because websocket connections cannot be detected.',
    ]);
    // Recorded, so that an operator who follows the run by its record learns how it ended.
    expect(records.saves).toEqual([{ runId: 'resume-test', state: 'completed' }]);
    expect(records.saved.get('resume-test')).toMatchObject({ outcome: 'not_detected' });
  });

  it('stops dispatching near the deadline, lets posts in flight finish and records incomplete', async () => {
    const store = new InMemoryStore(targets(100));
    let posted = 0;
    const { options, records, lease } = setup({
      store,
      poster: new ScriptedPoster(async () => {
        posted++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }),
      deadlineMarginMs: 10_000,
      // Plenty of time for the first 20 posts, then the deadline is near.
      remainingTimeMs: () => (posted < 20 ? 600_000 : 5_000),
    });

    const summary = await runChannels(options);

    expect(summary.state).toBe('incomplete');
    const attempted = summary.counts.total - summary.counts.remaining;
    expect(attempted).toBe(store.recorded.length);
    expect(attempted).toBeGreaterThanOrEqual(20);
    expect(attempted).toBeLessThan(30);
    expect(summary.counts.remaining).toBe(100 - attempted);
    expect(records.saved.get('resume-test')).toMatchObject({ state: 'incomplete' });
    expect(lease.held).toBeUndefined();
  });

  it("stops dispatching when the handler's signal aborts (middy's early timeout)", async () => {
    const store = new InMemoryStore(targets(100));
    const stop = new AbortController();
    let posted = 0;
    const { options, records } = setup({
      store,
      signal: stop.signal,
      poster: new ScriptedPoster(async () => {
        posted++;
        if (posted === 10) stop.abort();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }),
    });

    const summary = await runChannels(options);

    expect(summary.state).toBe('incomplete');
    const attempted = summary.counts.total - summary.counts.remaining;
    expect(attempted).toBe(store.recorded.length);
    expect(attempted).toBeGreaterThanOrEqual(10);
    expect(attempted).toBeLessThan(20);
    expect(records.saved.get('resume-test')).toMatchObject({ state: 'incomplete' });
  });

  it('fails at once when the first posts are all refused with 403, and says why', async () => {
    const store = new InMemoryStore(targets(1_000));
    const { options, records, lease, poster } = setup({
      store,
      poster: new ScriptedPoster(() => {
        throw httpError(403, 'ForbiddenException');
      }),
    });

    await expect(runChannels(options)).rejects.toThrow(PreconditionFailedError);
    await expect(runChannels({ ...options, newRunId: () => 'resume-again' })).rejects.toThrow(
      /WEBSOCKET_ENDPOINT.*execute-api:ManageConnections/,
    );
    expect(poster.frames.size).toBe(0);
    expect(store.recorded.length).toBeLessThan(20);
    expect(records.saved.get('resume-test')).toMatchObject({
      state: 'failed',
      hookStatus: 'Failed',
    });
    expect(lease.held).toBeUndefined();
  });

  it('asks CodeDeploy to fail when the error ratio is over FAIL_ON_ERROR_RATIO; gone does not count', async () => {
    const failing = new Set(['c1', 'c2', 'c3']);
    const gone = new Set(['c4', 'c5', 'c6', 'c7']);
    const poster = new ScriptedPoster((id) => {
      if (failing.has(id)) throw httpError(500, 'InternalServerErrorException');
      if (gone.has(id)) throw httpError(410);
    });
    const base = { store: new InMemoryStore(targets(10)), poster };

    const strict = setup({
      ...base,
      settings: {
        concurrency: 2,
        timeoutMs: 200,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: 0.2,
      },
    });
    const lenient = setup({
      ...base,
      store: new InMemoryStore(targets(10)),
      settings: {
        concurrency: 2,
        timeoutMs: 200,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: 0.3,
      },
    });

    const failed = await runChannels(strict.options);
    const passed = await runChannels(lenient.options);

    expect(failed.errorRatio).toBeCloseTo(0.3);
    expect(failed.hookStatus).toBe('Failed');
    expect(failed.message).toMatch(/FAIL_ON_ERROR_RATIO/);
    expect(passed.hookStatus).toBe('Succeeded');
  });

  it('counts results that could not be written as errors, and never says N of N then', async () => {
    // Prepare: every post is delivered, every result write is lost (DynamoDB down).
    const store = new InMemoryStore(targets(300));
    store.writeFate = () => 'unrecorded';
    const { options } = setup({ store });

    // Act
    const summary = await runChannels(options);
    const strict = await runChannels({
      ...options,
      newRunId: () => 'resume-strict',
      settings: { ...options.settings, failOnErrorRatio: 0.1 },
    });

    // Assess
    expect(summary).toMatchObject({
      outcome: 'errors',
      counts: { total: 300, delivered: 0, unrecorded: 300 },
      errorRatio: 1,
    });
    expect(summary.message).toBe(
      '0 of 300 connections resumed, 0 gone, 0 timed out, 0 throttled, 0 failed, 300 not recorded (they stay as they were).',
    );
    expect(summary.failures[0]).toMatchObject({ reason: 'unrecorded' });
    expect(strict.hookStatus).toBe('Failed');
  });

  it('counts the connections a store read but could not mark, and never posts to them', async () => {
    const store = new InMemoryStore(targets(50, null));
    for (let index = 0; index < 50; index += 5) store.leftOut.set(`c${index}`, 'unrecorded');
    store.leftOut.set('c1', 'skipped');
    const { options, poster } = setup({ store, kind: 'suspend' });

    const summary = await runChannels(options);

    expect(summary.counts).toMatchObject({
      total: 50,
      delivered: 39,
      unrecorded: 10,
      skipped: 1,
      remaining: 0,
    });
    expect(summary.outcome).toBe('errors');
    expect(summary.message).toMatch(/^39 of 50 connections suspended, .* 10 not recorded/);
    expect(poster.frames.size).toBe(39);
    expect(poster.frames.has('c0')).toBe(false);
  });

  it('fails before any post when the resume frame is over 128 KB (a huge DeploymentId)', async () => {
    const store = new InMemoryStore(targets(200));
    const { options, poster, records } = setup({
      store,
      invocation: parseInvocation({
        DeploymentId: `d-${'X'.repeat(130 * 1024)}`,
        LifecycleEventHookExecutionId: 'hook-1',
      }),
    });

    await expect(runChannels(options)).rejects.toThrow(PreconditionFailedError);
    expect(poster.frames.size).toBe(0);
    expect(store.recorded).toEqual([]);
    expect(records.saved.get('resume-test')).toMatchObject({ state: 'failed' });
  });

  it('uses the console event timeoutMs and concurrency over the configured ones', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { options } = setup({
      store: new InMemoryStore(targets(40)),
      invocation: parseInvocation({ concurrency: 2, timeoutMs: 50 }),
      poster: new ScriptedPoster(async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
      }),
    });

    const summary = await runChannels(options);

    expect(summary.counts.delivered).toBe(40);
    expect(maxInFlight).toBe(2);
  });
});

describe('runChannels (suspend)', () => {
  it("posts the suspend frame and logs edeliver's lines of SuspendChannels", async () => {
    const store = new InMemoryStore(targets(6, null));
    const { options, logger, poster } = setup({
      kind: 'suspend',
      store,
      invocation: parseInvocation({ DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' }),
      poster: new ScriptedPoster((id) => {
        if (id === 'c2') throw httpError(500, 'InternalServerErrorException');
      }),
      newRunId: () => 'suspend-test',
    });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ kind: 'suspend', trigger: 'codedeploy', deploymentId: 'd-1' });
    expect(JSON.parse(poster.frames.get('c0')?.[0] ?? '{}')).toMatchObject({
      type: 'suspend',
      runId: 'suspend-test',
      deploymentId: 'd-1',
    });
    expect(logger.messages('info')).toContain('Suspending 6 websocket connections...');
    expect(logger.messages('warn')).toEqual(['Suspended 5 of 6 websocket connections. 1 failed.']);
    expect(logger.messages('debug')).toEqual([
      '1 not suspended websockets might crash during the code upgrade.',
    ]);
  });

  it('says the connections it did not reach before its deadline stay active', async () => {
    let posted = 0;
    const { options, logger } = setup({
      kind: 'suspend',
      store: new InMemoryStore(targets(40, null)),
      poster: new ScriptedPoster(async () => {
        posted++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }),
      deadlineMarginMs: 10_000,
      remainingTimeMs: () => (posted < 10 ? 600_000 : 5_000),
    });

    const summary = await runChannels(options);

    expect(summary.state).toBe('incomplete');
    expect(logger.messages('warn')).toContain(
      `Stopped before the Lambda's deadline: ${summary.counts.remaining} websocket connections were not reached and stay active. Run suspend again to reach them.`,
    );
  });

  it('warns that suspending is not supported when every connection is gone or silent', async () => {
    const { options, logger } = setup({
      kind: 'suspend',
      store: new InMemoryStore(targets(4, null)),
      poster: new ScriptedPoster(() => {
        throw httpError(410);
      }),
    });

    const summary = await runChannels(options);

    expect(summary.outcome).toBe('not_supported');
    expect(logger.messages('warn')).toEqual(['Suspending websocket connections is not supported.']);
    expect(logger.messages('debug')).toEqual([
      '4 websocket connections were gone or did not answer in time; they were not suspended.',
    ]);
  });

  it('counts the active connections in a dry run, and marks none', async () => {
    const store = new InMemoryStore(targets(7, null));
    const { options, logger, poster } = setup({
      kind: 'suspend',
      store,
      invocation: parseInvocation({ dryRun: true }),
    });

    const summary = await runChannels(options);

    expect(summary).toMatchObject({ kind: 'suspend', outcome: 'dry_run', counts: { total: 7 } });
    expect(store.pagesPulled).toBe(0);
    expect(poster.frames.size).toBe(0);
    expect(logger.messages('info')).toEqual([
      'Dry run: 7 websocket connections would be suspended.',
    ]);
  });
});
