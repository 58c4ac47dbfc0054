// Paged sources, read in parallel and handed out one page at a time: the registry's shards (or
// scan segments) are read side by side, each at most one page ahead of its consumer, so memory
// stays at (sources x page size) whatever the number of connections.

/** Yields the pages of every source as they arrive; each source is read one page ahead. */
export async function* mergePages<Page>(
  sources: readonly AsyncIterable<Page>[],
): AsyncGenerator<Page> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  type Pulled = { index: number; result: IteratorResult<Page> };
  const pending = new Map<number, Promise<Pulled>>();
  const pull = (index: number, iterator: AsyncIterator<Page>) => {
    const next = iterator.next().then((result) => ({ index, result }));
    // A source that fails after another already failed must not become an unhandled rejection.
    next.catch(() => undefined);
    pending.set(index, next);
  };
  iterators.forEach((iterator, index) => {
    pull(index, iterator);
  });
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      pending.delete(index);
      if (result.done) continue;
      const iterator = iterators[index];
      if (iterator) pull(index, iterator);
      yield result.value;
    }
  } finally {
    // Stopped early (deadline, failure): let the sources still open end their reads.
    await Promise.allSettled([...pending.keys()].map((index) => iterators[index]?.return?.()));
  }
}

/** Splits an array into chunks of at most `size`. */
export function chunk<Item>(items: readonly Item[], size: number): Item[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new TypeError(`Expected a chunk size that is a positive integer, got ${size}`);
  }
  const chunks: Item[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/**
 * The suspend shard of a connection: FNV-1a of its id, modulo the shard count. Spreads the
 * suspended index over partitions (one partition key takes at most 1,000 writes a second).
 */
export function shardOf(connectionId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < connectionId.length; index++) {
    hash ^= connectionId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
