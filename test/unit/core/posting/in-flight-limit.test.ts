import { describe, expect, it } from 'vitest';
import { createInFlightLimit } from '../../../../functions/core/posting/in-flight-limit.js';

describe('createInFlightLimit', () => {
  it('halves on a storm of throttles, once per cooldown, never below 1', () => {
    let now = 0;
    const limit = createInFlightLimit({ max: 100, cooldownMs: 250, now: () => now });

    for (let throttle = 0; throttle < 30; throttle++) limit.throttled();
    expect(limit.size).toBe(50);
    for (let step = 1; step <= 10; step++) {
      now += 300;
      for (let throttle = 0; throttle < 20; throttle++) limit.throttled();
    }
    expect(limit.size).toBe(1);
    expect(limit.smallest).toBe(1);
  });

  it('halves for a storm that starts late in a long run (the share is over recent answers)', () => {
    let now = 0;
    const limit = createInFlightLimit({ max: 100, now: () => now });
    for (let answer = 0; answer < 10_000; answer++) limit.delivered();

    for (let throttle = 0; throttle < 20; throttle++) {
      now += 1;
      limit.throttled();
    }

    expect(limit.size).toBe(50);
  });

  it('does not shrink for a few throttles among many answers (one full client buffer)', () => {
    let now = 0;
    const limit = createInFlightLimit({ max: 100, now: () => now });

    for (let answer = 0; answer < 2_000; answer++) {
      now += 1;
      if (answer % 100 === 0) limit.throttled();
      else if (answer % 50 === 0) limit.answered();
      else limit.delivered();
    }

    expect(limit.size).toBe(100);
    expect(limit.smallest).toBe(100);
  });

  it('grows by one for every `size` deliveries, back up to the maximum', () => {
    const limit = createInFlightLimit({ max: 8, sampleSize: 1, stormShare: 1, now: () => 0 });
    limit.throttled();
    expect(limit.size).toBe(4);

    for (let delivered = 0; delivered < 4; delivered++) limit.delivered();
    expect(limit.size).toBe(5);
    for (let delivered = 0; delivered < 100; delivered++) limit.delivered();
    expect(limit.size).toBe(8);
    expect(limit.smallest).toBe(4);
  });

  it('checks its options first', () => {
    expect(() => createInFlightLimit({ max: 0 })).toThrow(/max to be an integer >= 1, got 0/);
    expect(() => createInFlightLimit({ max: 4, cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});
