/** Millisecond buckets up to a ceiling: constant memory whatever the number of posts. */
export class LatencyHistogram {
  readonly #buckets: Uint32Array;
  #count = 0;
  #max = 0;
  constructor(ceilingMs: number) {
    this.#buckets = new Uint32Array(Math.max(1, Math.ceil(ceilingMs)) + 1);
  }
  add(ms: number): void {
    const bucket = Math.min(this.#buckets.length - 1, Math.max(0, Math.round(ms)));
    this.#buckets[bucket] = (this.#buckets[bucket] ?? 0) + 1;
    this.#count++;
    this.#max = Math.max(this.#max, ms);
  }
  #quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (let bucket = 0; bucket < this.#buckets.length; bucket++) {
      seen += this.#buckets[bucket] ?? 0;
      if (seen >= rank) return bucket;
    }
    return this.#buckets.length - 1;
  }
  summary() {
    return { p50: this.#quantile(0.5), p99: this.#quantile(0.99), max: Math.round(this.#max) };
  }
}
