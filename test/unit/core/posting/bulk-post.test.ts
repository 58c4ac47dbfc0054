import { describe, expect, it } from 'vitest';
import {
  type BulkPostProgress,
  type PostResult,
  postToAll,
} from '../../../../functions/core/posting/bulk-post.js';
import { baseOptions, ids, PagedSource, seeded, sleep } from '../../../support/bulk-post-fakes.js';
import { httpError } from '../../../support/fakes.js';

// postToAll as one mechanism: every target posted once, within the concurrency, one shared stop,
// backpressure from the sink, its options and progress.

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
