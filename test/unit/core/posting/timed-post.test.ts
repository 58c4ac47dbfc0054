import { describe, expect, it } from 'vitest';
import { type PostResult, postToAll } from '../../../../functions/core/posting/bulk-post.js';
import { PostTimeoutError } from '../../../../functions/core/posting/classify.js';
import { baseOptions, PagedSource, sleep } from '../../../support/bulk-post-fakes.js';

// The per-post timeout (timed-post.ts) as postToAll applies it to every post.

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
