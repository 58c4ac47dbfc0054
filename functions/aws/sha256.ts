import {
  createHash,
  createHmac,
  createSecretKey,
  type Hash,
  type Hmac,
  type KeyObject,
} from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

// The SHA-256 and HMAC-SHA256 that SigV4 signs every post with, as @smithy/hash-node's Hash does,
// but with each secret made a KeyObject once. Node 24's createHmac takes a Buffer key about 8
// times slower than a KeyObject (11.7 µs against 1.8 µs here, and garbage that doubles the run's
// GC time), and @smithy's Hash hands it a Buffer for every HMAC: on Node 24 a resume run spent
// 0.75 ms of CPU per connection against 0.29 ms on Node 22 (docs/benchmark.md). The signer keeps
// its signing key as one Uint8Array for the day, so a WeakMap finds its KeyObject.

const byBytes = new WeakMap<object, { bytes: Buffer; key: KeyObject }>();
/** String secrets (the secret access key, "AWS4" + it): a few per credentials, bounded. */
const byString = new Map<string, KeyObject>();
const maxStringKeys = 16;

function keyObjectOf(secret: SourceData): KeyObject {
  if (typeof secret === 'string') {
    let key = byString.get(secret);
    if (key === undefined) {
      if (byString.size >= maxStringKeys) byString.clear();
      key = createSecretKey(Buffer.from(secret, 'utf8'));
      byString.set(secret, key);
    }
    return key;
  }
  const bytes = ArrayBuffer.isView(secret)
    ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength)
    : Buffer.from(secret);
  const known = byBytes.get(secret);
  // The same object with the same bytes (a 32-byte compare): its KeyObject.
  if (known?.bytes.equals(bytes)) return known.key;
  const copy = Buffer.from(bytes);
  const key = createSecretKey(copy);
  byBytes.set(secret, { bytes: copy, key });
  return key;
}

function bytesOf(
  data: SourceData,
  encoding?: 'utf8' | 'ascii' | 'latin1' | 'hex' | 'base64',
): Buffer {
  if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256, or HMAC-SHA256 under `secret`: a Checksum for SignatureV4's `sha256`. */
export class Sha256 implements Checksum {
  readonly #secret: SourceData | undefined;
  #hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = this.#fresh();
  }

  update(data: SourceData, encoding?: 'utf8' | 'ascii' | 'latin1' | 'hex' | 'base64'): void {
    this.#hash.update(bytesOf(data, encoding));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.#hash.digest());
  }

  reset(): void {
    this.#hash = this.#fresh();
  }

  #fresh(): Hash | Hmac {
    return this.#secret === undefined || this.#secret === ''
      ? createHash('sha256')
      : createHmac('sha256', keyObjectOf(this.#secret));
  }
}
