// CRC-32C (Castagnoli). Record batch v2 checksums use this polynomial, not the IEEE one that
// zlib.crc32 computes. Slicing-by-8 tables: the broker validates every produced batch, so this
// sits on the produce hot path and must run at memory speed rather than byte-at-a-time.

const POLY = 0x82f63b78;
const TABLES: Uint32Array[] = [];

(function buildTables() {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  TABLES.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = TABLES[t - 1];
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    TABLES.push(next);
  }
})();

/** CRC-32C of buf[start, end). Pass a previous result as `seed` to continue a running checksum. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let crc = ~seed >>> 0;
  let i = start;
  const fastEnd = end - ((end - start) & 7);
  while (i < fastEnd) {
    const lo = (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24)) ^ crc;
    crc =
      t7[lo & 0xff] ^
      t6[(lo >>> 8) & 0xff] ^
      t5[(lo >>> 16) & 0xff] ^
      t4[lo >>> 24] ^
      t3[buf[i + 4]] ^
      t2[buf[i + 5]] ^
      t1[buf[i + 6]] ^
      t0[buf[i + 7]];
    i += 8;
  }
  while (i < end) crc = t0[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
  return ~crc >>> 0;
}
