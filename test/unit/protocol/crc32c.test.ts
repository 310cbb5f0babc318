import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { crc32c, crc32cPortable, CRC32C_IMPLEMENTATION } from '../../../src/broker/protocol/crc32c.js';

// kafkajs ships its own (byte-at-a-time) CRC-32C; agreeing with it means kafkajs accepts our batches.
const require = createRequire(import.meta.url);
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

// Bit-by-bit reference, deliberately unlike the table-driven code under test.
function referenceCrc32c(buf: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// The same vectors for each implementation by name: the portable code is checked even where the
// native package is installed (and crc32c is not it), and the native path wherever it is.
const implementations: Array<[string, typeof crc32c]> = [
  ['portable', crc32cPortable],
  [`crc32c as used by the broker (${CRC32C_IMPLEMENTATION})`, crc32c],
];

for (const [name, crc32c] of implementations) describe(`CRC-32C: ${name}`, () => {
  it('matches the standard check value for "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  });

  it('matches the RFC 3720 (iSCSI) test vectors', () => {
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    const up = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    assert.equal(crc32c(up), 0x46dd794e);
    const down = Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i));
    assert.equal(crc32c(down), 0x113fdb5c);
  });

  it('returns 0 for empty input and an unsigned 32-bit value otherwise', () => {
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    const v = crc32c(Buffer.from('123456789'));
    assert.ok(v > 0x7fffffff, 'value with the top bit set stays positive');
    assert.equal(v, v >>> 0);
  });

  it('agrees with a bitwise reference for every length 0..80 (exercises the 8-byte fast path and the tail)', () => {
    const data = randomBytes(80);
    for (let len = 0; len <= 80; len++) {
      const part = data.subarray(0, len);
      assert.equal(crc32c(part), referenceCrc32c(part), `length ${len}`);
    }
  });

  it('computes over [start, end) of a larger buffer, at unaligned offsets', () => {
    const data = randomBytes(300);
    for (const [start, end] of [
      [0, 300],
      [1, 300],
      [3, 250],
      [7, 8],
      [21, 150],
      [100, 100],
    ]) {
      assert.equal(crc32c(data, start, end), referenceCrc32c(data.subarray(start, end)), `[${start}, ${end})`);
    }
  });

  it('continuing from a seed equals the one-shot checksum, for every split point', () => {
    const data = randomBytes(100);
    const whole = crc32c(data);
    for (let split = 0; split <= data.length; split++) {
      const first = crc32c(data, 0, split);
      assert.equal(crc32c(data, split, data.length, first), whole, `split at ${split}`);
    }
    // three pieces chained
    const a = crc32c(data, 0, 13);
    const b = crc32c(data, 13, 61, a);
    assert.equal(crc32c(data, 61, 100, b), whole);
  });

  it('works on a plain Uint8Array, not only Buffers', () => {
    const u8 = new Uint8Array(Buffer.from('123456789'));
    assert.equal(crc32c(u8), 0xe3069283);
  });

  it('agrees with kafkajs for a large random buffer', () => {
    const data = randomBytes(64 * 1024 + 5);
    assert.equal(crc32c(data), kafkajsCrc32C(data) >>> 0);
    assert.equal(crc32c(data), referenceCrc32c(data));
  });
});
