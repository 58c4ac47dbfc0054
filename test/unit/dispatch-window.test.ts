import { describe, expect, it } from 'vitest';
import { createDispatchWindow } from '../../functions/lib/core/dispatch-window.js';

describe('createDispatchWindow', () => {
  it('halves on a throttle, once per cooldown, never below 1', () => {
    let now = 0;
    const window = createDispatchWindow({ max: 100, cooldownMs: 250, now: () => now });

    window.throttled();
    window.throttled();
    expect(window.size).toBe(50);
    for (let step = 1; step <= 10; step++) {
      now += 300;
      window.throttled();
    }
    expect(window.size).toBe(1);
    expect(window.smallest).toBe(1);
  });

  it('grows by one for every window of deliveries, back up to the maximum', () => {
    const window = createDispatchWindow({ max: 8, now: () => 0 });
    window.throttled();
    expect(window.size).toBe(4);

    for (let delivered = 0; delivered < 4; delivered++) window.delivered();
    expect(window.size).toBe(5);
    for (let delivered = 0; delivered < 100; delivered++) window.delivered();
    expect(window.size).toBe(8);
    expect(window.smallest).toBe(4);
  });

  it('checks its options first', () => {
    expect(() => createDispatchWindow({ max: 0 })).toThrow(/max to be an integer >= 1, got 0/);
    expect(() => createDispatchWindow({ max: 4, cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});
