import { describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../../../functions/core/errors.js';
import {
  type BulkPostOptions,
  type BulkPostProgress,
  type PostResult,
  postToAll,
} from '../../../../functions/core/posting/bulk-post.js';
import { PostTimeoutError } from '../../../../functions/core/posting/classify.js';
import { httpError } from '../../../support/fakes.js';
import { seededRandom } from '../../../support/management-api-behaviours.js';

// In-memory fakes only: the post is a function, the source an instrumented async iterable.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A deterministic pseudo-random generator, so a failing run can be replayed. */
const seeded = seededRandom;

const ids = (count: number) => Array.from({ length: count }, (_, index) => `c${index}`);

/** Pages of targets that records how far it was read and whether it was closed. */
class PagedSource<Target> implements AsyncIterable<readonly Target[]> {
  readonly pages: Target[][] = [];
  /** Calls to next(), the final `done` one included. */
  nextCalls = 0;
  /** Pages handed out. */
  pagesPulled = 0;
  returned = false;

  constructor(targets: readonly Target[], pageSize: number) {
    for (let start = 0; start < targets.length; start += pageSize) {
      this.pages.push(targets.slice(start, start + pageSize));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<readonly Target[]> {
    return {
      next: async () => {
        this.nextCalls++;
        await Promise.resolve();
        const page = this.pages[this.pagesPulled];
        if (page === undefined || this.returned) return { done: true, value: undefined };
        this.pagesPulled++;
        return { done: false, value: page };
      },
      return: async () => {
        this.returned = true;
        return { done: true, value: undefined };
      },
    };
  }
}

/** A post that never answers unless its signal is aborted. */
function hangUntilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function baseOptions<Target>(
  targets: AsyncIterable<readonly Target[]>,
  overrides: Partial<BulkPostOptions<Target>>,
): BulkPostOptions<Target> {
  return {
    targets,
    post: async () => undefined,
    onResult: () => undefined,
    concurrency: 4,
    timeoutMs: 1_000,
    ...overrides,
  };
}

describe('postToAll: concurrency and completeness', () => {
  it('never has more posts in flight than the concurrency, and reports the peak', async () => {
    // Prepare: 1,000 targets in pages of 37, posts answering after random small delays.
    const source = new PagedSource(ids(1_000), 37);
    const random = seeded(42);
    let inFlight = 0;
    let observedMax = 0;
    const posted = new Map<string, number>();
    const reported = new Map<string, number>();

    // Act
    const summary = await postToAll(
      baseOptions(source, {
        concurrency: 7,
        post: async (target) => {
          inFlight++;
          observedMax = Math.max(observedMax, inFlight);
          posted.set(target, (posted.get(target) ?? 0) + 1);
          const roll = random();
          if (roll < 0.5) await Promise.resolve();
          else await sleep(roll < 0.9 ? 0 : 1);
          inFlight--;
        },
        onResult: (result) => {
          reported.set(result.target, (reported.get(result.target) ?? 0) + 1);
        },
      }),
    );

    // Assess
    expect(observedMax).toBeLessThanOrEqual(7);
    expect(observedMax).toBe(7);
    expect(summary.maxInFlight).toBe(observedMax);
    expect(summary).toMatchObject({
      dispatched: 1_000,
      settled: 1_000,
      delivered: 1_000,
      stoppedEarly: false,
    });
    expect(posted.size).toBe(1_000);
    expect([...posted.values()].every((count) => count === 1)).toBe(true);
    expect(reported.size).toBe(1_000);
    expect([...reported.values()].every((count) => count === 1)).toBe(true);
    expect([...reported.keys()].sort()).toEqual(ids(1_000).sort());
    expect(source.pagesPulled).toBe(28);
  });

  it('reports each result with one attempt, no failure and a latency', async () => {
    const results: PostResult<string>[] = [];

    await postToAll(
      baseOptions(new PagedSource(['a', 'b'], 1), {
        onResult: (result) => {
          results.push(result);
        },
      }),
    );

    expect(results.map((result) => result.target).sort()).toEqual(['a', 'b']);
    for (const result of results) {
      expect(result.failure).toBeUndefined();
      expect(result.attempts).toBe(1);
      expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('skips empty pages and finishes an empty source without posting', async () => {
    // Prepare: an empty page in the middle, then an empty source.
    async function* withEmptyPage() {
      yield ['a'];
      yield [];
      yield ['b'];
    }
    const posted: string[] = [];

    // Act
    const summary = await postToAll(
      baseOptions(withEmptyPage(), {
        post: async (target) => {
          posted.push(target);
        },
      }),
    );
    const empty = await postToAll(
      baseOptions(new PagedSource<string>([], 10), {
        post: async () => {
          throw new Error('must not post');
        },
      }),
    );

    // Assess
    expect(posted.sort()).toEqual(['a', 'b']);
    expect(summary.delivered).toBe(2);
    expect(empty).toMatchObject({ dispatched: 0, settled: 0, delivered: 0, stoppedEarly: false });
  });

  it('classifies failures and does not retry a gone connection', async () => {
    let calls = 0;
    const results: PostResult<string>[] = [];

    const summary = await postToAll(
      baseOptions(new PagedSource(['gone', 'ok'], 10), {
        post: async (target) => {
          calls++;
          if (target === 'gone') throw httpError(410, 'GoneException');
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    );

    const gone = results.find((result) => result.target === 'gone');
    expect(gone?.failure?.reason).toBe('gone');
    expect(gone?.attempts).toBe(1);
    expect(calls).toBe(2);
    expect(summary).toMatchObject({ settled: 2, delivered: 1 });
  });

  it("rejects with the source's error when reading a page fails", async () => {
    async function* failing() {
      yield ['a'];
      throw new Error('registry read failed');
    }

    await expect(postToAll(baseOptions(failing(), {}))).rejects.toThrow('registry read failed');
  });
});

describe('postToAll: one shared stop', () => {
  it('waits for every post in flight and hands it to onResult before rejecting with a failed page read', async () => {
    // Prepare: the second page read fails while the 10 posts of the first are still in flight.
    const readError = new Error('ProvisionedThroughputExceededException on Query');
    async function* failingSecondPage(): AsyncGenerator<readonly string[]> {
      yield ids(10);
      throw readError;
    }
    const dispatched: string[] = [];
    const results: string[] = [];
    let settledAfterReturn = 0;
    let returned = false;

    // Act
    const error: unknown = await postToAll(
      baseOptions(failingSecondPage(), {
        concurrency: 10,
        post: async (target) => {
          dispatched.push(target);
          await new Promise((resolve) => setTimeout(resolve, 30 + Number(target.slice(1)) * 10));
        },
        onResult: async (result) => {
          if (returned) settledAfterReturn++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          results.push(result.target);
        },
      }),
    ).catch((caught: unknown) => caught);
    returned = true;
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Assess
    expect(error).toBe(readError);
    expect(dispatched.toSorted()).toEqual(ids(10).toSorted());
    expect(results.toSorted()).toEqual(ids(10).toSorted());
    expect(settledAfterReturn).toBe(0);
  });

  it('stops dispatching when onResult fails, and lets the other posts in flight settle first', async () => {
    const writeError = new Error('the result sink failed');
    const results: string[] = [];
    let inFlight = 0;

    const error: unknown = await postToAll(
      baseOptions(new PagedSource(ids(100), 10), {
        concurrency: 5,
        post: async () => {
          inFlight++;
          await new Promise((resolve) => setTimeout(resolve, 20));
          inFlight--;
        },
        onResult: (result) => {
          results.push(result.target);
          if (results.length === 3) throw writeError;
        },
      }),
    ).catch((caught: unknown) => caught);

    expect(error).toBe(writeError);
    expect(inFlight).toBe(0);
    expect(results.length).toBeGreaterThanOrEqual(3);
    expect(results.length).toBeLessThan(20);
  });
});

describe('postToAll: per-post timeout', () => {
  it('ends a post that never answers and ignores its signal as timedOut, on time', async () => {
    // Prepare
    const timeoutMs = 50;
    let seenSignal: AbortSignal | undefined;
    const results: PostResult<string>[] = [];

    // Act
    const startedAt = performance.now();
    const summary = await postToAll(
      baseOptions(new PagedSource(['silent'], 10), {
        timeoutMs,
        post: (_target, signal) => {
          seenSignal = signal;
          return new Promise<void>(() => undefined);
        },
        onResult: (result) => {
          results.push(result);
        },
      }),
    );
    const elapsed = performance.now() - startedAt;

    // Assess
    expect(elapsed).toBeLessThan(timeoutMs + 500);
    expect(results).toHaveLength(1);
    expect(results[0]?.failure).toMatchObject({ reason: 'timedOut', name: 'PostTimeoutError' });
    expect(results[0]?.attempts).toBe(1);
    expect(summary).toMatchObject({ settled: 1, delivered: 0 });
    expect(seenSignal?.aborted).toBe(true);
    expect(seenSignal?.reason).toBeInstanceOf(PostTimeoutError);
  });

  it('does not abort the signal of a post that answered in time', async () => {
    let seenSignal: AbortSignal | undefined;

    await postToAll(
      baseOptions(new PagedSource(['fast'], 10), {
        timeoutMs: 20,
        post: async (_target, signal) => {
          seenSignal = signal;
        },
      }),
    );
    await sleep(40);

    expect(seenSignal?.aborted).toBe(false);
  });
});

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

describe('postToAll: stopping early', () => {
  it('stops dispatching once asked, never pulls the pages after, and closes the source', async () => {
    // Prepare: 100 targets in pages of 10; the deadline check turns true after 15 dispatches.
    const source = new PagedSource(ids(100), 10);
    let dispatches = 0;
    const reported: string[] = [];

    // Act
    const summary = await postToAll(
      baseOptions(source, {
        concurrency: 1,
        shouldStopDispatching: () => dispatches >= 15,
        post: async () => {
          dispatches++;
          await sleep(1);
        },
        onResult: (result) => {
          reported.push(result.target);
        },
      }),
    );

    // Assess
    expect(dispatches).toBe(15);
    expect(summary).toMatchObject({
      dispatched: 15,
      settled: 15,
      delivered: 15,
      stoppedEarly: true,
    });
    expect(reported).toEqual(ids(15));
    expect(source.pagesPulled).toBe(2);
    expect(source.nextCalls).toBe(2);
    expect(source.returned).toBe(true);
  });

  it('lets the posts in flight finish and reports them when it stops', async () => {
    // Prepare: 4 workers; posts take a while, so several are in flight when the check flips.
    const source = new PagedSource(ids(100), 10);
    let dispatches = 0;
    let finished = 0;
    const reported: string[] = [];

    // Act
    const summary = await postToAll(
      baseOptions(source, {
        concurrency: 4,
        shouldStopDispatching: () => dispatches >= 10,
        post: async () => {
          dispatches++;
          await sleep(5);
          finished++;
        },
        onResult: (result) => {
          reported.push(result.target);
        },
      }),
    );

    // Assess: at most one post per other worker can slip in between a check and its dispatch.
    expect(dispatches).toBeGreaterThanOrEqual(10);
    expect(dispatches).toBeLessThan(10 + 4);
    expect(finished).toBe(dispatches);
    expect(summary.dispatched).toBe(dispatches);
    expect(summary.settled).toBe(dispatches);
    expect(summary.stoppedEarly).toBe(true);
    expect(new Set(reported).size).toBe(dispatches);
    expect(source.pagesPulled).toBeLessThanOrEqual(2);
    expect(source.returned).toBe(true);
  });

  it('is not stoppedEarly when the check never turns true', async () => {
    const source = new PagedSource(ids(20), 10);

    const summary = await postToAll(baseOptions(source, { shouldStopDispatching: () => false }));

    expect(summary.stoppedEarly).toBe(false);
    expect(summary.settled).toBe(20);
    expect(source.returned).toBe(false);
  });
});

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

  it('aborts the posts still in flight when the probe fails, without waiting for their timeout', async () => {
    // Prepare: the first 5 targets are refused at once; the others hang until aborted.
    const refused = new Set(ids(5));
    const signals: AbortSignal[] = [];
    const results: PostResult<string>[] = [];

    // Act
    const startedAt = performance.now();
    const error: unknown = await postToAll(
      baseOptions(new PagedSource(ids(50), 50), {
        concurrency: 10,
        timeoutMs: 10_000,
        post: async (target, signal) => {
          if (refused.has(target)) throw httpError(403);
          signals.push(signal);
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
    expect(elapsed).toBeLessThan(1_000);
    expect(signals).toHaveLength(5);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    // Every dispatched post is a result: the 5 refused, and the 5 cut short by the stop (their
    // frames may have gone out, so they are written down too).
    expect(results).toHaveLength(10);
    expect(results.filter((result) => result.failure?.reason === 'forbidden')).toHaveLength(5);
    expect(
      results.filter((result) => result.failure?.name === 'PreconditionFailedError'),
    ).toHaveLength(5);
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

describe('postToAll: backpressure', () => {
  it('holds a worker until its onResult promise resolves', async () => {
    // Prepare: 4 workers, posts answer at once, results are slow to record.
    let dispatched = 0;
    let recorded = 0;
    let maxOutstanding = 0;

    // Act
    const summary = await postToAll(
      baseOptions(new PagedSource(ids(40), 10), {
        concurrency: 4,
        post: async () => {
          dispatched++;
          maxOutstanding = Math.max(maxOutstanding, dispatched - recorded);
        },
        onResult: async () => {
          await sleep(2);
          recorded++;
        },
      }),
    );

    // Assess
    expect(maxOutstanding).toBeLessThanOrEqual(4);
    expect(maxOutstanding).toBe(4);
    expect(recorded).toBe(40);
    expect(summary.settled).toBe(40);
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

describe('postToAll: options', () => {
  it.each([
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: -1 }],
    ['concurrency', { concurrency: 1.5 }],
    ['concurrency', { concurrency: Number.NaN }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: 2.5 }],
    ['maxPostsPerSecond', { maxPostsPerSecond: 0 }],
    ['maxPostsPerSecond', { maxPostsPerSecond: 0.5 }],
    ['throttleRetries', { throttleRetries: -1 }],
    ['throttleRetries', { throttleRetries: 1.5 }],
  ])('rejects an invalid %s (%o) with a TypeError naming it, before posting', async (name, bad) => {
    let calls = 0;

    const run = postToAll(
      baseOptions(new PagedSource(ids(3), 10), {
        ...bad,
        post: async () => {
          calls++;
        },
      }),
    );

    await expect(run).rejects.toThrow(TypeError);
    await expect(run).rejects.toThrow(name);
    expect(calls).toBe(0);
  });
});

describe('postToAll: progress', () => {
  it('reports progress with the settled and delivered counts while running, and stops after', async () => {
    // Prepare
    const progress: BulkPostProgress[] = [];

    // Act
    const summary = await postToAll(
      baseOptions(new PagedSource(ids(30), 10), {
        concurrency: 2,
        progressIntervalMs: 5,
        post: async (target) => {
          await sleep(2);
          if (target === 'c3') throw httpError(410);
        },
        onProgress: (update) => {
          progress.push(update);
        },
      }),
    );
    const callsAtEnd = progress.length;
    await sleep(30);

    // Assess
    expect(summary).toMatchObject({ settled: 30, delivered: 29 });
    expect(callsAtEnd).toBeGreaterThan(0);
    expect(progress).toHaveLength(callsAtEnd);
    for (const [index, update] of progress.entries()) {
      expect(update.settled).toBeLessThanOrEqual(30);
      expect(update.delivered).toBeLessThanOrEqual(update.settled);
      expect(update.inFlight).toBeLessThanOrEqual(2);
      expect(update.elapsedMs).toBeGreaterThanOrEqual(0);
      const previous = progress[index - 1];
      if (previous) expect(update.settled).toBeGreaterThanOrEqual(previous.settled);
    }
    expect(progress.some((update) => update.settled > 0)).toBe(true);
  });
});
