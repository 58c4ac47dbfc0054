import type { BulkPostOptions } from '../../functions/core/posting/bulk-post.js';
import { seededRandom } from './management-api-behaviours.js';

// In-memory fakes of the bulk poster's tests: the post is a function, the source an instrumented
// async iterable.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A deterministic pseudo-random generator, so a failing run can be replayed. */
export const seeded = seededRandom;

export const ids = (count: number) => Array.from({ length: count }, (_, index) => `c${index}`);

/** Pages of targets that records how far it was read and whether it was closed. */
export class PagedSource<Target> implements AsyncIterable<readonly Target[]> {
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
export function hangUntilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export function baseOptions<Target>(
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
