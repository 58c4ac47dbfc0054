import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBackoff, sleep } from '../../../functions/core/backoff.js';

// The retry waits of every loop in the project: full jitter by default, the ceiling doubling
// from baseMs up to maxMs; and the one sleep, which an abort signal cuts short.

afterEach(() => {
  vi.useRealTimers();
});

describe('createBackoff: full jitter', () => {
  it('waits a random share of a ceiling that doubles from baseMs and stops at maxMs', () => {
    // Prepare: a random just under 1 makes each wait its ceiling, less the floor's rounding.
    const backoff = createBackoff({ baseMs: 50, maxMs: 2_000, random: () => 0.999_999 });

    // Act
    const delays = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoff.delayFor(attempt));

    // Assess
    expect(delays).toEqual([49, 99, 199, 399, 799, 1_599, 1_999, 1_999]);
  });

  it('floors random() times the ceiling', () => {
    const backoff = createBackoff({ baseMs: 50, maxMs: 2_000, random: () => 0.5 });

    expect(backoff.delayFor(0)).toBe(25);
    expect(backoff.delayFor(3)).toBe(200);
    expect(backoff.delayFor(7)).toBe(1_000);
  });

  it('waits nothing when random() is 0', () => {
    const backoff = createBackoff({ baseMs: 50, maxMs: 2_000, random: () => 0 });

    expect(backoff.delayFor(4)).toBe(0);
  });

  it('draws a fresh random number for every delay', () => {
    // Prepare
    const random = vi.fn().mockReturnValueOnce(0.25).mockReturnValueOnce(0.75);
    const backoff = createBackoff({ baseMs: 100, maxMs: 1_000, random });

    // Act
    const delays = [backoff.delayFor(0), backoff.delayFor(0)];

    // Assess
    expect(delays).toEqual([25, 75]);
    expect(random).toHaveBeenCalledTimes(2);
  });

  it('uses Math.random when no random is given, staying within the ceiling', () => {
    const backoff = createBackoff({ baseMs: 10, maxMs: 40 });

    for (let draw = 0; draw < 200; draw++) {
      const delay = backoff.delayFor(5);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(40);
    }
  });

  it('stays at maxMs for attempts far past the overflow of 2 ** attempt, and 0 for a zero base', () => {
    const capped = createBackoff({ baseMs: 50, maxMs: 2_000, jitter: 'none' });
    const zero = createBackoff({ baseMs: 0, maxMs: 0, jitter: 'none' });

    expect(capped.delayFor(2_000)).toBe(2_000);
    expect(zero.delayFor(2_000)).toBe(0);
  });
});

describe('createBackoff: equal jitter', () => {
  it('waits at least half the ceiling and at most the ceiling', () => {
    const low = createBackoff({ baseMs: 100, maxMs: 4_000, jitter: 'equal', random: () => 0 });
    const high = createBackoff({
      baseMs: 100,
      maxMs: 4_000,
      jitter: 'equal',
      random: () => 0.999_999,
    });

    expect([0, 1, 2, 5, 6, 9].map((attempt) => low.delayFor(attempt))).toEqual([
      50, 100, 200, 1_600, 2_000, 2_000,
    ]);
    expect([0, 1, 2, 5, 6, 9].map((attempt) => high.delayFor(attempt))).toEqual([
      99, 199, 399, 3_199, 3_999, 3_999,
    ]);
  });
});

describe('createBackoff: no jitter', () => {
  it('waits the ceiling itself, never calling random', () => {
    // Prepare
    const random = vi.fn(() => 0.5);
    const backoff = createBackoff({ baseMs: 50, maxMs: 25_600, jitter: 'none', random });

    // Act
    const delays = [1, 2, 9, 10].map((attempt) => backoff.delayFor(attempt));

    // Assess
    expect(delays).toEqual([100, 200, 25_600, 25_600]);
    expect(random).not.toHaveBeenCalled();
  });
});

describe('createBackoff: input checked first', () => {
  it.each([
    ['baseMs', { baseMs: -1, maxMs: 10 }, /`baseMs`.*finite number >= 0.*-1/],
    ['baseMs', { baseMs: Number.NaN, maxMs: 10 }, /`baseMs`.*NaN/],
    ['baseMs', { baseMs: Number.POSITIVE_INFINITY, maxMs: 10 }, /`baseMs`.*Infinity/],
    ['baseMs', { baseMs: '50', maxMs: 10 }, /`baseMs`.*got 50/],
    ['maxMs', { baseMs: 50, maxMs: 49 }, /`maxMs`.*>= baseMs \(50\).*49/],
    ['maxMs', { baseMs: 50 }, /`maxMs`.*undefined/],
    [
      'jitter',
      { baseMs: 50, maxMs: 100, jitter: 'half' },
      /`jitter`.*'full', 'equal' or 'none'.*half/,
    ],
    ['random', { baseMs: 50, maxMs: 100, random: 0.5 }, /`random`.*function.*number/],
  ])('throws a TypeError naming %s', (_name, options, message) => {
    // Act and Assess: the options are deliberately of the wrong type.
    expect(() => createBackoff(options as never)).toThrow(TypeError);
    expect(() => createBackoff(options as never)).toThrow(message);
  });

  it.each([-1, 1.5, Number.NaN])('throws a TypeError naming attempt for %s', (attempt) => {
    const backoff = createBackoff({ baseMs: 50, maxMs: 100 });

    expect(() => backoff.delayFor(attempt)).toThrow(TypeError);
    expect(() => backoff.delayFor(attempt)).toThrow(/`attempt`.*integer >= 0/);
  });
});

describe('sleep', () => {
  it('resolves after the given time', async () => {
    // Prepare
    vi.useFakeTimers();
    let resolved = false;

    // Act
    const sleeping = sleep(100).then(() => {
      resolved = true;
    });
    await vi.advanceTimersByTimeAsync(99);
    const resolvedEarly = resolved;
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;

    // Assess
    expect(resolvedEarly).toBe(false);
    expect(resolved).toBe(true);
  });

  it('resolves after the time when its signal never aborts, and leaves no listener behind', async () => {
    // Prepare
    vi.useFakeTimers();
    const controller = new AbortController();
    const removeEventListener = vi.spyOn(controller.signal, 'removeEventListener');

    // Act
    const sleeping = sleep(50, controller.signal);
    await vi.advanceTimersByTimeAsync(50);

    // Assess
    await expect(sleeping).resolves.toBeUndefined();
    expect(removeEventListener).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('rejects with the reason as soon as the signal aborts, and clears its timer', async () => {
    // Prepare
    vi.useFakeTimers();
    const controller = new AbortController();
    const reason = new Error('run stopped');
    const sleeping = sleep(60_000, controller.signal);

    // Act
    controller.abort(reason);

    // Assess: no time has passed, and nothing is left pending.
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once, starting no timer, when the signal has already aborted', async () => {
    // Prepare
    vi.useFakeTimers();
    const reason = new Error('already stopped');

    // Act
    const sleeping = sleep(60_000, AbortSignal.abort(reason));

    // Assess
    await expect(sleeping).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['ms', -1, /`ms`.*finite number >= 0.*-1/],
    ['ms', Number.NaN, /`ms`.*NaN/],
    ['ms', Number.POSITIVE_INFINITY, /`ms`.*Infinity/],
  ])('throws a TypeError naming %s for %s', (_name, ms, message) => {
    expect(() => sleep(ms)).toThrow(TypeError);
    expect(() => sleep(ms)).toThrow(message);
  });

  it('throws a TypeError naming signal when it is not an AbortSignal', () => {
    // Act and Assess: a controller instead of its signal, the usual slip.
    expect(() => sleep(10, new AbortController() as never)).toThrow(TypeError);
    expect(() => sleep(10, new AbortController() as never)).toThrow(/`signal`.*AbortSignal/);
  });
});
