// The targets of a run, shared by all its workers: pages are pulled from the source one at a
// time (the others wait for the page being read), only when a worker needs the next target,
// so memory stays at one page whatever the number of connections.

export interface TargetQueue<Target> {
  /** The next target, or undefined when the source is exhausted or `stopped()` says so. */
  next(): Promise<{ target: Target } | undefined>;
  /** Whether targets are left that nobody took. */
  hasMore(): boolean;
  /** The targets of the page at hand that nobody took (after a stop). */
  untaken(): readonly Target[];
  /** Ends the source's read early (deadline, failure); nothing to do once it is exhausted. */
  close(): Promise<void>;
}

export function createTargetQueue<Target>(
  source: AsyncIterable<readonly Target[]>,
  stopped: () => boolean,
): TargetQueue<Target> {
  const iterator = source[Symbol.asyncIterator]();
  let page: readonly Target[] = [];
  let pageIndex = 0;
  let exhausted = false;
  let pulling: Promise<void> | undefined;
  const pullPage = async () => {
    const next = await iterator.next();
    if (next.done) exhausted = true;
    else {
      page = next.value;
      pageIndex = 0;
    }
  };
  return {
    async next() {
      while (!stopped()) {
        if (pageIndex < page.length) return { target: page[pageIndex++] as Target };
        if (exhausted) return undefined;
        pulling ??= pullPage().finally(() => {
          pulling = undefined;
        });
        await pulling;
      }
      return undefined;
    },
    hasMore: () => !exhausted || pageIndex < page.length,
    untaken: () => page.slice(pageIndex),
    async close() {
      if (!exhausted) await iterator.return?.();
    },
  };
}
