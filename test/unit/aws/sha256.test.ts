import { Hash } from '@smithy/hash-node';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../../functions/aws/sha256.js';

// The signer's SHA-256 (functions/aws/sha256.ts) gives what @smithy/hash-node's Hash gives, for
// every kind of secret and input SigV4 hands it; only its keys are KeyObjects, made once.

const digestOf = async (
  hash: { update(data: never): void; digest(): Promise<Uint8Array> },
  parts: unknown[],
) => {
  for (const part of parts) hash.update(part as never);
  return Buffer.from(await hash.digest()).toString('hex');
};

describe('Sha256 (SigV4 with KeyObject keys)', () => {
  const inputs: unknown[][] = [
    ['AWS4-HMAC-SHA256\n20261207T120000Z\n'],
    [new Uint8Array([1, 2, 3]), 'and text'],
    [Buffer.from('{"type":"resume"}')],
  ];
  const secrets = [
    undefined,
    'AWS4wJalrXUtnFEMI/K7MDENG',
    new Uint8Array(32).fill(7),
    Buffer.alloc(32, 9),
  ];

  it('hashes and signs as @smithy/hash-node does, for string, byte and no secret', async () => {
    for (const secret of secrets) {
      for (const parts of inputs) {
        expect(await digestOf(new Sha256(secret), parts)).toBe(
          await digestOf(new Hash('sha256', secret), parts),
        );
      }
    }
  });

  it('follows a byte key whose buffer changed since it was first used', async () => {
    // Prepare
    const key = new Uint8Array(32).fill(1);
    await digestOf(new Sha256(key), ['message']);
    // Act: the same object, its bytes changed
    key.fill(2);
    // Assess
    expect(await digestOf(new Sha256(key), ['message'])).toBe(
      await digestOf(new Hash('sha256', new Uint8Array(32).fill(2)), ['message']),
    );
  });

  it('starts over on reset', async () => {
    const hash = new Sha256('secret');
    hash.update('discarded');
    hash.reset();
    expect(await digestOf(hash, ['kept'])).toBe(
      await digestOf(new Hash('sha256', 'secret'), ['kept']),
    );
  });
});
