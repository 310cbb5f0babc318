import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32c, crc32cPortable, CRC32C_IMPLEMENTATION } from '../../../src/broker/protocol/crc32c.js';

describe('CRC-32C implementations', () => {
  it(`the active one (${CRC32C_IMPLEMENTATION}) equals the portable one on ranges and seeds`, () => {
    for (let i = 0; i < 200; i++) {
      const buf = randomBytes(1 + ((i * 37) % 3000));
      const start = i % Math.min(9, buf.length);
      const end = buf.length - (i % 5 < buf.length - start ? i % 5 : 0);
      const seed = i % 3 === 0 ? 0 : crc32cPortable(buf, 0, start);
      assert.equal(crc32c(buf, start, end, seed), crc32cPortable(buf, start, end, seed), `case ${i}`);
    }
  });

  it('both give the standard check value', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32cPortable(check), 0xe3069283);
    assert.equal(crc32c(check), 0xe3069283);
  });
});
