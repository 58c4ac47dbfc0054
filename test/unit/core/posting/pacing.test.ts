import { describe, expect, it } from 'vitest';
import {
  type BulkPostOptions,
  type PostResult,
  postToAll,
} from '../../../../functions/core/posting/bulk-post.js';
import { baseOptions, ids, PagedSource } from '../../../support/bulk-post-fakes.js';
import { httpError } from '../../../support/fakes.js';

// How fast postToAll posts: throttled posts retried with backoff (and the in-flight limit under a
// storm), and the rate cap, also against the deadline.

describe('postToAll: throttling', () => {
  /** Posts to one target, 'busy', through `attempt` (given the call number); collects the results. */
  async function postToBusy(
    attempt: (call: number) => void,
    overrides: Partial<BulkPostOptions<string>>,
  ) {
    let calls = 0;
    const results: PostResult<string>[] = [];
    const summary = await postToAll(
      baseOptions(new PagedSource(['busy'], 10), {
        random: () => 0,
        ...overrides,
        post: async () => {
          calls++;
          attempt(calls);
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    );
    return { calls, results, summary };
  }

  it('retries a throttled post up to throttleRetries and counts it throttled if never through', async () => {
    const { calls, results, summary } = await postToBusy(
      () => {
        throw httpError(429, 'LimitExceededException');
      },
      { throttleRetries: 2 },
    );

    expect(calls).toBe(3);
    expect(results).toHaveLength(1);
    expect(results[0]?.failure?.reason).toBe('throttled');
    expect(results[0]?.attempts).toBe(3);
    expect(summary).toMatchObject({ dispatched: 1, settled: 1, delivered: 0 });
  });

  it('retries seven times by default, over 5 s at least (the backoff reaches seconds)', async () => {
    const startedAt = performance.now();
    const { calls, results } = await postToBusy(() => {
      throw httpError(429);
    }, {});

    expect(calls).toBe(8);
    expect(results[0]?.attempts).toBe(8);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(5_100);
  }, 20_000);

  it('rides out a storm of 429s with the default backoff, and slows the whole run down', async () => {
    // Prepare: every post is throttled for the first 1.5 s (the account's shared rate is used
    // up by the live app), then accepted.
    const stormEndsAt = performance.now() + 1_500;
    let postsDuringStorm = 0;
    const results: PostResult<string>[] = [];

    // Act
    const summary = await postToAll(
      baseOptions(new PagedSource(ids(300), 100), {
        concurrency: 50,
        timeoutMs: 1_000,
        post: async () => {
          if (performance.now() < stormEndsAt) {
            postsDuringStorm++;
            throw httpError(429, 'LimitExceededException');
          }
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    );

    // Assess: nobody gave up, and the storm saw far fewer than 7 tries of every target.
    expect(summary.delivered).toBe(300);
    expect(results.filter((result) => result.failure)).toEqual([]);
    expect(summary.smallestInFlightLimit).toBeLessThan(50);
    expect(postsDuringStorm).toBeLessThan(400);
  });

  it('counts a post delivered when a retry gets through', async () => {
    // Throttled twice, then accepted.
    const { calls, results, summary } = await postToBusy(
      (call) => {
        if (call <= 2) throw httpError(429);
      },
      { throttleRetries: 3 },
    );

    expect(calls).toBe(3);
    expect(results[0]?.failure).toBeUndefined();
    expect(results[0]?.attempts).toBe(3);
    expect(summary.delivered).toBe(1);
  });

  it('waits the jittered backoff between attempts', async () => {
    // random 1 makes each wait its ceiling: 20 ms, then min(25, 40) = 25 ms.
    const startedAt = performance.now();
    const { calls, results } = await postToBusy(
      () => {
        throw httpError(429);
      },
      { throttleRetries: 2, backoff: { baseMs: 20, maxMs: 25 }, random: () => 0.999_999 },
    );
    const elapsed = performance.now() - startedAt;

    expect(calls).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(40);
    expect(elapsed).toBeLessThan(1_000);
    expect(results[0]?.latencyMs).toBeGreaterThanOrEqual(40);
  });
});

describe('postToAll: rate cap', () => {
  it('spaces dispatches at maxPostsPerSecond', async () => {
    // Prepare: 10 posts at 50 a second: slots every 20 ms, the last at least 180 ms after the first.
    const dispatchedAt: number[] = [];

    // Act
    await postToAll(
      baseOptions(new PagedSource(ids(10), 10), {
        concurrency: 10,
        maxPostsPerSecond: 50,
        post: async () => {
          dispatchedAt.push(performance.now());
        },
      }),
    );

    // Assess (loosely: timers may fire a little early or late)
    expect(dispatchedAt).toHaveLength(10);
    const span = Math.max(...dispatchedAt) - Math.min(...dispatchedAt);
    expect(span).toBeGreaterThanOrEqual(150);
    expect(span).toBeLessThan(2_000);
  });

  it('does not space dispatches without a rate cap', async () => {
    const dispatchedAt: number[] = [];

    await postToAll(
      baseOptions(new PagedSource(ids(10), 10), {
        concurrency: 10,
        post: async () => {
          dispatchedAt.push(performance.now());
        },
      }),
    );

    expect(Math.max(...dispatchedAt) - Math.min(...dispatchedAt)).toBeLessThan(100);
  });
});

describe('postToAll: rate cap and the deadline', () => {
  it('books no rate slot past the stop: a run capped at 5 posts/s ends when the stop comes', async () => {
    // Prepare: 20 workers at 5 posts/s would book slots 4 s ahead; the stop comes after 1 s.
    const startedAt = performance.now();

    // Act
    const summary = await postToAll(
      baseOptions(new PagedSource(ids(100), 50), {
        concurrency: 20,
        maxPostsPerSecond: 5,
        shouldStopDispatching: () => performance.now() - startedAt > 1_000,
      }),
    );
    const elapsed = performance.now() - startedAt;

    // Assess
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.dispatched).toBeGreaterThanOrEqual(4);
    expect(summary.dispatched).toBeLessThanOrEqual(7);
    expect(elapsed).toBeLessThan(1_600);
  });
});
