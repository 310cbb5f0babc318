/**
 * Seeded pseudo-random numbers for fuzz-style tests, so a failure can be replayed exactly.
 *
 *   const seed = testSeed();            // TEST_SEED env var, or a fresh random seed
 *   t.diagnostic(`seed=${seed}`);       // print it; rerun with TEST_SEED=<seed> to reproduce
 *   const rng = new Prng(seed);
 */
import { randomInt } from 'node:crypto';

/** The seed from TEST_SEED (decimal), or a new random 32-bit seed. */
export function testSeed(): number {
  const fromEnv = process.env.TEST_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n)) throw new Error(`TEST_SEED must be an integer, got '${fromEnv}'`);
    return n >>> 0;
  }
  return randomInt(0, 2 ** 32 - 1);
}

/** mulberry32: tiny, fast, and good enough to pick bytes and cases; not for cryptography. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor((this.uint32() / 2 ** 32) * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.uint32() & 0xff;
    return b;
  }
}
