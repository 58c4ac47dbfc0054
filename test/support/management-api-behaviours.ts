// What the Management API emulator answers each connection id, kept apart from its HTTP server
// so that a benchmark or a unit test can ask which ids will be gone (or throttled) without a
// socket, and so that the same seed gives the same answers in every process.

export type Behaviour =
  | 'ok'
  | 'goneEmpty'
  | 'gone'
  | 'throttleOnce'
  | 'throttle'
  | 'error'
  | 'hang'
  | 'forbidden'
  | 'tooLarge'
  /** The socket is destroyed without an answer (ECONNRESET at the client); nothing delivered. */
  | 'reset'
  /** Delivered at once, answered 200 only after the emulator's `lateMs` (past the client's timeout). */
  | 'late';

export type BehaviourMix = Partial<Record<Exclude<Behaviour, 'ok'>, number>>;

export interface ErrorAnswer {
  status: number;
  errorType: string;
  message: string;
}

// The shapes AWS answers for this restJson1 service: the error type in `x-amzn-ErrorType`,
// the message in a JSON body. The SDK reads the header first, so the body only carries text.
export const errorAnswers = {
  gone: { status: 410, errorType: 'GoneException', message: 'Connection gone' },
  throttle: {
    status: 429,
    errorType: 'LimitExceededException',
    message: 'Rate exceeded',
  },
  error: {
    status: 500,
    errorType: 'InternalServerErrorException',
    message: 'Internal server error',
  },
  forbidden: { status: 403, errorType: 'ForbiddenException', message: 'Forbidden' },
  tooLarge: {
    status: 413,
    errorType: 'PayloadTooLargeException',
    message: 'Message too long',
  },
} satisfies Record<string, ErrorAnswer>;

// Fixed order, so the same mix and seed give the same behaviour per id whatever the key order.
export const mixOrder = [
  'gone',
  'goneEmpty',
  'throttleOnce',
  'throttle',
  'error',
  'hang',
  'forbidden',
  'tooLarge',
  // Appended, so that a mix without them gives every id the behaviour it had before.
  'reset',
  'late',
] as const satisfies readonly Exclude<Behaviour, 'ok'>[];

/**
 * Deterministic behaviour per id: each fraction of the ids (by hash) gets that behaviour, the
 * rest 'ok'. A benchmark can call the returned function itself to know which ids will be gone.
 */
export function behaviourFromMix(mix: BehaviourMix, seed = 0): (connectionId: string) => Behaviour {
  const bounds: Array<{ upTo: number; behaviour: Behaviour }> = [];
  let cumulative = 0;
  for (const behaviour of mixOrder) {
    const fraction = mix[behaviour] ?? 0;
    if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw new RangeError(`mix.${behaviour} must be a fraction in [0, 1], got ${fraction}`);
    }
    if (fraction === 0) continue;
    cumulative += fraction;
    bounds.push({ upTo: cumulative, behaviour });
  }
  if (cumulative > 1 + 1e-9) {
    throw new RangeError(`the fractions of the mix add up to ${cumulative}, more than 1`);
  }
  return (id) => {
    if (bounds.length === 0) return 'ok';
    const u = hashToUnit(id, seed);
    for (const bound of bounds) {
      if (u < bound.upTo) return bound.behaviour;
    }
    return 'ok';
  };
}

/** Latency uniform in [mean - jitter, mean + jitter], never below 0. */
export function jitteredLatency(
  meanMs: number,
  jitterMs: number,
  random: () => number = Math.random,
): (connectionId: string) => number {
  return () => Math.max(0, meanMs + (random() * 2 - 1) * jitterMs);
}

/** mulberry32: a small deterministic generator, for reproducible jitter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Stable hash of a connection id to [0, 1): FNV-1a 32-bit over the UTF-16 code units, seeded,
 * then murmur3's finaliser, because FNV-1a alone spreads ids differing only in their last
 * character (conn-1, conn-2, ...) poorly over the high bits.
 */
export function hashToUnit(id: string, seed = 0): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}
