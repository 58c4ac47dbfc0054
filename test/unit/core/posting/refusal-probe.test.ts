import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../../functions/core/errors.js';
import { type PostResult, postToAll } from '../../../../functions/core/posting/bulk-post.js';
import {
  baseOptions,
  hangUntilAborted,
  ids,
  PagedSource,
} from '../../../support/bulk-post-fakes.js';
import { httpError } from '../../../support/fakes.js';

// The refusal probe (refusal-probe.ts) as postToAll applies it: a run whose first answers are all
// refusals stops with a precondition failure.

describe('postToAll: refusal probe', () => {
  it('rejects with a PreconditionFailedError when the first 5 answers are all 403, long before posting to every target', async () => {
    // Prepare: 10,000 targets, every post refused.
    const source = new PagedSource(ids(10_000), 100);
    let calls = 0;

    // Act
    const run = postToAll(
      baseOptions(source, {
        concurrency: 10,
        post: async () => {
          calls++;
          throw httpError(403, 'ForbiddenException');
        },
      }),
    );

    // Assess
    const error: unknown = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as Error).message).toMatch(/WEBSOCKET_ENDPOINT/);
    expect((error as Error).message).toMatch(/execute-api:ManageConnections/);
    expect(calls).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThan(100);
    expect(source.pagesPulled).toBe(1);
    expect(source.returned).toBe(true);
  });

  it('lets the posts in flight when the probe fails finish, within their timeout, so that what became of each is known', async () => {
    // Prepare: the first 5 targets are refused at once; 5 more are in flight, refused 100 ms
    // later. Before, the probe aborted them: their fate unknown, a suspend left them marked
    // suspended though none was told (a failed suspend's 66 of 300).
    const refused = new Set(ids(5));
    const signals: AbortSignal[] = [];
    const results: PostResult<string>[] = [];

    // Act
    const error: unknown = await postToAll(
      baseOptions(new PagedSource(ids(50), 50), {
        concurrency: 10,
        timeoutMs: 10_000,
        post: async (target, signal) => {
          if (refused.has(target)) throw httpError(403);
          signals.push(signal);
          await new Promise((resolve) => setTimeout(resolve, 100));
          throw httpError(403);
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    ).catch((caught: unknown) => caught);

    // Assess: no new post after the stop; the 5 in flight answered, and each is a result.
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(signals).toHaveLength(5);
    expect(signals.some((signal) => signal.aborted)).toBe(false);
    expect(results).toHaveLength(10);
    expect(results.every((result) => result.failure?.reason === 'forbidden')).toBe(true);
  });

  it('bounds the wait for the posts in flight by their timeout', async () => {
    // Prepare: 5 refused at once, 5 that never answer.
    const refused = new Set(ids(5));
    const results: PostResult<string>[] = [];

    // Act
    const startedAt = performance.now();
    const error: unknown = await postToAll(
      baseOptions(new PagedSource(ids(50), 50), {
        concurrency: 10,
        timeoutMs: 200,
        post: async (target, signal) => {
          if (refused.has(target)) throw httpError(403);
          await hangUntilAborted(signal);
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    ).catch((caught: unknown) => caught);
    const elapsed = performance.now() - startedAt;

    // Assess
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(elapsed).toBeLessThan(5_000);
    expect(results.filter((result) => result.failure?.reason === 'timedOut')).toHaveLength(5);
  });

  it('sends no post once the refusal probe has stopped the run (not even a throttled retry)', async () => {
    // Prepare: `busy` is throttled first and waits its backoff; meanwhile the 5 other targets
    // are refused, which stops the run. Its retry must not be sent after that.
    let refusals = 0;
    const postsAfterRefusal: string[] = [];
    let busyCalls = 0;
    const targets = ['busy', ...ids(9)];

    // Act
    const error: unknown = await postToAll(
      baseOptions(new PagedSource(targets, 10), {
        concurrency: 2,
        timeoutMs: 200,
        backoff: { baseMs: 30, maxMs: 30 },
        random: () => 0.999_999,
        post: async (target, signal) => {
          if (refusals >= 5) postsAfterRefusal.push(target);
          if (target === 'busy') {
            busyCalls++;
            if (busyCalls === 1) throw httpError(429);
            await hangUntilAborted(signal);
            return;
          }
          refusals++;
          throw httpError(403);
        },
      }),
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(postsAfterRefusal).toEqual([]);
  });

  it('rejects with a PreconditionFailedError when fewer targets than the probe are all refused', async () => {
    let calls = 0;

    const run = postToAll(
      baseOptions(new PagedSource(ids(3), 10), {
        post: async () => {
          calls++;
          throw httpError(403);
        },
      }),
    );

    await expect(run).rejects.toThrow(PreconditionFailedError);
    await expect(run).rejects.toThrow(/execute-api:ManageConnections/);
    expect(calls).toBe(3);
  });

  it('rejects with a PreconditionFailedError naming the size when the first answers are all 413', async () => {
    const many = postToAll(
      baseOptions(new PagedSource(ids(1_000), 100), {
        concurrency: 5,
        post: async () => {
          throw httpError(413, 'PayloadTooLargeException');
        },
      }),
    );
    const few = postToAll(
      baseOptions(new PagedSource(ids(2), 10), {
        post: async () => {
          throw httpError(413, 'PayloadTooLargeException');
        },
      }),
    );

    await expect(many).rejects.toThrow(PreconditionFailedError);
    await expect(many).rejects.toThrow(/too large/);
    await expect(few).rejects.toThrow(PreconditionFailedError);
    await expect(few).rejects.toThrow(/too large/);
  });

  it('counts a 403 among deliveries as a failure, without failing the run', async () => {
    // Prepare
    const results: PostResult<string>[] = [];

    // Act
    const summary = await postToAll(
      baseOptions(new PagedSource(ids(20), 5), {
        concurrency: 3,
        post: async (target) => {
          if (target === 'c1' || target === 'c7') throw httpError(403, 'ForbiddenException');
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    );

    // Assess
    expect(summary).toMatchObject({ settled: 20, delivered: 18 });
    const refused = results.filter((result) => result.failure?.reason === 'forbidden');
    expect(refused.map((result) => result.target).sort()).toEqual(['c1', 'c7']);
  });

  it('does not fail when a success comes first and the refusals after it', async () => {
    const summary = await postToAll(
      baseOptions(new PagedSource(ids(10), 10), {
        concurrency: 1,
        post: async (target) => {
          if (target !== 'c0') throw httpError(403);
        },
      }),
    );

    expect(summary).toMatchObject({ settled: 10, delivered: 1 });
  });
});
