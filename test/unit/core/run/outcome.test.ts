import { describe, expect, it } from 'vitest';
import {
  type Counts,
  emptyCounts,
  errorRatio,
  failedCount,
  outcomeOf,
} from '../../../../functions/core/run/outcome.js';

/** Counts with `total` derived from the parts, unless given. */
function counts(parts: Partial<Counts>): Counts {
  const base = { ...emptyCounts(), ...parts };
  if (parts.total !== undefined) return base;
  return {
    ...base,
    total:
      base.delivered + base.gone + base.timedOut + base.throttled + base.failed + base.remaining,
  };
}

describe("outcomeOf (edeliver's table)", () => {
  it('is none when there is nothing to do', () => {
    expect(outcomeOf(emptyCounts())).toBe('none');
  });

  it('is ok when every post was delivered', () => {
    expect(outcomeOf(counts({ delivered: 12 }))).toBe('ok');
  });

  it('is not_supported when every post was gone (edeliver: every process was noproc)', () => {
    expect(outcomeOf(counts({ gone: 7 }))).toBe('not_supported');
  });

  it('is not_supported when every post timed out', () => {
    expect(outcomeOf(counts({ timedOut: 3 }))).toBe('not_supported');
  });

  it('is not_supported when gone and timed out are mixed and nothing was delivered', () => {
    expect(outcomeOf(counts({ gone: 4, timedOut: 5 }))).toBe('not_supported');
  });

  it('is errors when deliveries are mixed with gone connections, the counts kept as given', () => {
    // Prepare
    const mixed = counts({ delivered: 8, gone: 2 });

    // Act
    const outcome = outcomeOf(mixed);

    // Assess
    expect(outcome).toBe('errors');
    expect(failedCount(mixed)).toBe(2);
    expect(mixed).toEqual({ ...emptyCounts(), total: 10, delivered: 8, gone: 2 });
  });

  it('is errors when deliveries are mixed with timeouts', () => {
    expect(outcomeOf(counts({ delivered: 1, timedOut: 1 }))).toBe('errors');
  });

  it.each([
    ['a single failed post', { failed: 1 }],
    ['a single throttled post', { throttled: 1 }],
    ['failed posts among gone ones', { gone: 5, failed: 1 }],
    ['throttled posts among timeouts', { timedOut: 5, throttled: 1 }],
    ['failed posts among deliveries', { delivered: 9, failed: 1 }],
    ['only failed posts', { failed: 4 }],
    ['only throttled posts', { throttled: 4 }],
  ])('is errors with %s', (_label, parts) => {
    expect(outcomeOf(counts(parts))).toBe('errors');
  });

  it('leaves the posts not attempted out of the attempted count', () => {
    // Prepare: 6 attempted, all gone; 4 never reached (deadline).
    const stopped = counts({ gone: 6, remaining: 4 });

    // Act / Assess: every attempted post was gone, so the remaining ones do not make it `errors`.
    expect(stopped.total).toBe(10);
    expect(outcomeOf(stopped)).toBe('not_supported');
  });

  it('is ok when every attempted post was delivered and some were not attempted', () => {
    expect(outcomeOf(counts({ delivered: 3, remaining: 5 }))).toBe('ok');
  });
});

describe('failedCount', () => {
  it('adds every failure reason and nothing else', () => {
    expect(
      failedCount(
        counts({ delivered: 100, gone: 1, timedOut: 2, throttled: 3, failed: 4, remaining: 50 }),
      ),
    ).toBe(10);
  });
});

describe('errorRatio', () => {
  it('is 0 when nothing was attempted', () => {
    expect(errorRatio(emptyCounts())).toBe(0);
    expect(errorRatio(counts({ remaining: 5 }))).toBe(0);
  });

  it('does not count gone connections as errors', () => {
    expect(errorRatio(counts({ delivered: 5, gone: 5 }))).toBe(0);
  });

  it('is the share of attempted posts that timed out or failed', () => {
    // 10 attempted: 2 gone (not errors), 1 timed out, 1 throttled (not counted), 2 failed.
    const mixed = counts({ delivered: 4, gone: 2, timedOut: 1, throttled: 1, failed: 2 });

    expect(errorRatio(mixed)).toBeCloseTo(0.3, 10);
  });

  it("does not count throttled posts: whoever floods the account's API Gateway quota must not fail a deployment", () => {
    expect(errorRatio(counts({ delivered: 10, throttled: 90 }))).toBe(0);
  });

  it('divides by the attempted posts, not the total', () => {
    // 4 attempted (1 failed), 6 not attempted.
    const stopped = counts({ delivered: 3, failed: 1, remaining: 6 });

    expect(errorRatio(stopped)).toBeCloseTo(0.25, 10);
  });

  it('is 1 when every attempted post failed for an error reason', () => {
    expect(errorRatio(counts({ timedOut: 2, failed: 2 }))).toBe(1);
  });
});
