// CRC-32C (Castagnoli). Record batch v2 checksums use this polynomial, not the IEEE one that
// zlib.crc32 computes. The broker checks every produced batch, so this sits on the produce hot
// path: when the optional native package (@node-rs/crc32, SSE4.2 instructions) is installed we
// use it, otherwise the portable slicing-by-8 code below, which gives identical results.
import { createRequire } from 'node:module';

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

/** Portable CRC-32C of buf[start, end); `seed` continues a previous result. */
export function crc32cPortable(buf: Uint8Array, start = 0, end = buf.length, seed = 0): number {
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

type NativeCrc = (input: Uint8Array, initialState?: number) => number;

function loadNative(): NativeCrc | undefined {
  if (process.env.KAFKA_BROKER_PORTABLE_CRC === '1') return undefined;
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: NativeCrc };
    const fn = mod.crc32c;
    // Trust it only if it agrees with the portable code on a known vector.
    return fn && fn(Buffer.from('123456789')) === 0xe3069283 ? fn : undefined;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation `crc32c` uses, for logs and benchmarks. */
export const CRC32C_IMPLEMENTATION: 'native' | 'portable' = native ? 'native' : 'portable';

/** CRC-32C of buf[start, end). Pass a previous result as `seed` to continue a running checksum. */
export const crc32c: (buf: Uint8Array, start?: number, end?: number, seed?: number) => number = native
  ? (buf, start = 0, end = buf.length, seed = 0) =>
      native(start === 0 && end === buf.length ? buf : buf.subarray(start, end), seed) >>> 0
  : crc32cPortable;
