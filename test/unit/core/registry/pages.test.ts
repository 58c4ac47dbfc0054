import { describe, expect, it } from 'vitest';
import { chunk, mergePages, shardOf } from '../../../../functions/core/registry/pages.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Page {
  source: number;
  index: number;
}

/** A paged source (an async generator) that records how far it was read and whether it was closed. */
class InstrumentedSource {
  /** Pages the generator has produced (handed to a next() call). */
  produced = 0;
  finished = false;
  closed = false;

  constructor(
    readonly id: number,
    readonly pageCount: number,
    readonly delayMs: (index: number) => number = () => 0,
    readonly failAt: number | undefined = undefined,
  ) {}

  async *pages(): AsyncGenerator<Page> {
    try {
      for (let index = 0; index < this.pageCount; index++) {
        const delay = this.delayMs(index);
        if (delay > 0) await sleep(delay);
        if (index === this.failAt) throw new Error(`source ${this.id} failed`);
        this.produced++;
        yield { source: this.id, index };
      }
      this.finished = true;
    } finally {
      if (!this.finished) this.closed = true;
    }
  }
}

describe('mergePages', () => {
  it('yields every page of every source exactly once', async () => {
    // Prepare: sources of different lengths and speeds, one empty.
    const sources = [
      new InstrumentedSource(0, 5, (index) => (index % 2) + 1),
      new InstrumentedSource(1, 0),
      new InstrumentedSource(2, 8),
      new InstrumentedSource(3, 3, () => 3),
    ];

    // Act
    const seen: Page[] = [];
    for await (const page of mergePages(sources.map((source) => source.pages()))) {
      seen.push(page);
    }

    // Assess
    const keys = seen.map((page) => `${page.source}:${page.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(
      sources
        .flatMap((source) =>
          Array.from({ length: source.pageCount }, (_, index) => `${source.id}:${index}`),
        )
        .sort(),
    );
    // Each source's own pages come in order.
    for (const source of sources) {
      const own = seen.filter((page) => page.source === source.id).map((page) => page.index);
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
  });

  it('yields nothing for no sources', async () => {
    const seen: unknown[] = [];
    for await (const page of mergePages<number>([])) seen.push(page);

    expect(seen).toEqual([]);
  });

  it('reads each source at most one page ahead of a slow consumer', async () => {
    // Prepare: fast sources (instant and 1 ms), a consumer slower than both.
    const sources = [
      new InstrumentedSource(0, 10),
      new InstrumentedSource(1, 10, () => 1),
      new InstrumentedSource(2, 10),
    ];
    const consumed = [0, 0, 0];
    let maxAhead = 0;

    // Act
    for await (const page of mergePages(sources.map((source) => source.pages()))) {
      consumed[page.source] = (consumed[page.source] ?? 0) + 1;
      for (const source of sources) {
        maxAhead = Math.max(maxAhead, source.produced - (consumed[source.id] ?? 0));
      }
      await sleep(2);
    }

    // Assess
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(maxAhead).toBe(1);
    expect(consumed).toEqual([10, 10, 10]);
  });

  it('reads no source further than one page past what was consumed when the consumer stops early', async () => {
    // Prepare
    const sources = [new InstrumentedSource(0, 100), new InstrumentedSource(1, 100)];

    // Act: take 3 pages, then stop.
    let taken = 0;
    for await (const _page of mergePages(sources.map((source) => source.pages()))) {
      taken++;
      if (taken === 3) break;
    }

    // Assess: 3 pages consumed, plus at most one ahead per source.
    const produced = sources.reduce((sum, source) => sum + source.produced, 0);
    expect(produced).toBeGreaterThanOrEqual(3);
    expect(produced).toBeLessThanOrEqual(3 + sources.length);
  });

  it('closes the unfinished sources when the consumer breaks out', async () => {
    // Prepare: one short source that finishes, two long ones (one slow).
    const short = new InstrumentedSource(0, 1);
    const long = new InstrumentedSource(1, 50);
    const slow = new InstrumentedSource(2, 50, () => 2);

    // Act
    let taken = 0;
    for await (const _page of mergePages([short.pages(), long.pages(), slow.pages()])) {
      taken++;
      if (taken === 4) break;
    }

    // Assess
    expect(short.finished).toBe(true);
    expect(short.closed).toBe(false);
    expect(long.closed).toBe(true);
    expect(slow.closed).toBe(true);
    expect(long.produced).toBeLessThan(50);
    expect(slow.produced).toBeLessThan(50);
  });

  it("calls return() on the unfinished sources' iterators", async () => {
    // Prepare: hand-written iterators, to see return() itself.
    const returned: number[] = [];
    const source = (id: number, pages: number): AsyncIterable<number> => ({
      [Symbol.asyncIterator]: () => {
        let index = 0;
        return {
          next: async () =>
            index < pages
              ? { done: false, value: id * 100 + index++ }
              : { done: true, value: undefined },
          return: async () => {
            returned.push(id);
            return { done: true, value: undefined };
          },
        };
      },
    });

    // Act
    for await (const page of mergePages([source(0, 10), source(1, 0), source(2, 10)])) {
      if (page >= 0) break;
    }

    // Assess: both unfinished sources were closed (the empty one may have been, harmlessly,
    // when its `done` was not read yet).
    expect(returned).toContain(0);
    expect(returned).toContain(2);
    expect(returned.filter((id) => id === 0 || id === 2)).toHaveLength(2);
  });

  it("propagates a source's error and closes the others", async () => {
    // Prepare
    const healthy = new InstrumentedSource(0, 100, () => 1);
    const failing = new InstrumentedSource(1, 100, () => 1, 2);

    // Act
    const seen: Page[] = [];
    const consume = async () => {
      for await (const page of mergePages([healthy.pages(), failing.pages()])) seen.push(page);
    };

    // Assess
    await expect(consume()).rejects.toThrow('source 1 failed');
    expect(seen.filter((page) => page.source === 1)).toHaveLength(2);
    expect(healthy.closed).toBe(true);
  });
});

describe('chunk', () => {
  it('splits into chunks of the size, the last one shorter', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('keeps every item in order', () => {
    const items = Array.from({ length: 103 }, (_, index) => index);

    const chunks = chunk(items, 25);

    expect(chunks.map((part) => part.length)).toEqual([25, 25, 25, 25, 3]);
    expect(chunks.flat()).toEqual(items);
  });

  it('returns one chunk when the size exceeds the length, and none for no items', () => {
    expect(chunk(['a', 'b'], 25)).toEqual([['a', 'b']]);
    expect(chunk([], 25)).toEqual([]);
  });

  it.each([0, -1, 2.5, Number.NaN])('rejects the chunk size %s instead of looping', (size) => {
    expect(() => chunk([1, 2, 3], size)).toThrow(/chunk size that is a positive integer/);
  });
});

describe('shardOf', () => {
  /** Ids shaped like API Gateway connection ids ("L0SM9cOFvHcCIhw="), from a fixed seed. */
  function connectionIds(count: number): string[] {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let state = 12_345;
    const next = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state >>> 16;
    };
    return Array.from({ length: count }, () => {
      let id = '';
      for (let index = 0; index < 15; index++) id += alphabet[next() % alphabet.length];
      return `${id}=`;
    });
  }

  it('is FNV-1a of the id modulo the shard count', () => {
    // FNV-1a 32-bit test vectors: "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(shardOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(shardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(shardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect(shardOf('a', 16)).toBe(0xe40c292c % 16);
  });

  it('is deterministic', () => {
    for (const id of connectionIds(100)) {
      expect(shardOf(id, 16)).toBe(shardOf(id, 16));
    }
  });

  it('stays within [0, shards)', () => {
    for (const shards of [1, 2, 3, 7, 16, 100]) {
      for (const id of connectionIds(500)) {
        const shard = shardOf(id, shards);
        expect(Number.isInteger(shard)).toBe(true);
        expect(shard).toBeGreaterThanOrEqual(0);
        expect(shard).toBeLessThan(shards);
      }
    }
  });

  it('spreads 10,000 ids roughly evenly over 16 shards', () => {
    // Prepare
    const counts = new Array<number>(16).fill(0);

    // Act
    for (const id of connectionIds(10_000)) {
      const shard = shardOf(id, 16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }

    // Assess: 625 expected per shard; allow +-20%.
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(10_000);
    for (const count of counts) {
      expect(count).toBeGreaterThan(500);
      expect(count).toBeLessThan(750);
    }
  });

  it('spreads sequential ids too', () => {
    const counts = new Array<number>(16).fill(0);

    for (let index = 0; index < 10_000; index++) {
      const shard = shardOf(`conn-${index}`, 16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }

    for (const count of counts) {
      expect(count).toBeGreaterThan(500);
      expect(count).toBeLessThan(750);
    }
  });
});
