import { describe, expect, it } from 'vitest';
import { type Behaviour, behaviourFromMix } from '../support/management-api-behaviours.js';

// How the Management API emulator picks each connection's behaviour from a seeded mix.

describe('behaviourFromMix', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => `conn-${i}`);
  const mix = { gone: 0.05, goneEmpty: 0.02, throttleOnce: 0.01, hang: 0.001, error: 0.1 };

  it('gives each behaviour roughly its share of 10,000 ids', () => {
    const behaviourOf = behaviourFromMix(mix, 1);
    const counts = new Map<Behaviour, number>();
    for (const id of ids) {
      const behaviour = behaviourOf(id);
      counts.set(behaviour, (counts.get(behaviour) ?? 0) + 1);
    }
    // About 4 standard deviations of a binomial count around each expected share.
    const expectNear = (behaviour: Behaviour, share: number) => {
      const expected = share * ids.length;
      const slack = 4 * Math.sqrt(expected * (1 - share)) + 2;
      expect(Math.abs((counts.get(behaviour) ?? 0) - expected)).toBeLessThanOrEqual(slack);
    };
    expectNear('gone', 0.05);
    expectNear('goneEmpty', 0.02);
    expectNear('throttleOnce', 0.01);
    expectNear('hang', 0.001);
    expectNear('error', 0.1);
    expectNear('ok', 1 - 0.181);
    expect(counts.has('throttle')).toBe(false);
  });

  it('is deterministic for a seed, differs across seeds, and ignores key order', () => {
    const first = ids.map(behaviourFromMix(mix, 1));
    const second = ids.map(behaviourFromMix({ ...mix }, 1));
    const reordered = ids.map(
      behaviourFromMix(
        { error: 0.1, hang: 0.001, throttleOnce: 0.01, goneEmpty: 0.02, gone: 0.05 },
        1,
      ),
    );
    const otherSeed = ids.map(behaviourFromMix(mix, 2));

    expect(second).toEqual(first);
    expect(reordered).toEqual(first);
    expect(otherSeed).not.toEqual(first);
    expect(ids.map(behaviourFromMix({}))).toEqual(ids.map(() => 'ok'));
  });

  it('rejects fractions outside [0, 1] and mixes adding up to more than 1', () => {
    expect(() => behaviourFromMix({ gone: 1.5 })).toThrow(/mix.gone/);
    expect(() => behaviourFromMix({ gone: -0.1 })).toThrow(/mix.gone/);
    expect(() => behaviourFromMix({ gone: 0.6, hang: 0.6 })).toThrow(/add up to 1.2/);
  });
});
