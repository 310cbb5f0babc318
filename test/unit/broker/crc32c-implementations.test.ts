/**
 * Which CRC-32C the broker uses, and that each one is right on its own. The vectors for both
 * implementations by name are in test/unit/protocol/crc32c.test.ts; here: the native package
 * (@node-rs/crc32, an optional dependency) is used whenever it is installed, the portable code
 * otherwise or when KAFKA_BROKER_PORTABLE_CRC=1, and the package's own function gives the
 * known vectors (it is only trusted after one check at load time).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32c, crc32cPortable, CRC32C_IMPLEMENTATION } from '../../../src/broker/protocol/crc32c.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

type NativeCrc = (input: Uint8Array, initialState?: number) => number;
function nativePackage(): NativeCrc | undefined {
  try {
    return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: NativeCrc }).crc32c;
  } catch {
    return undefined;
  }
}
const native = nativePackage();

// RFC 3720 (iSCSI) B.4 and the common check value.
const VECTORS: Array<[string, Buffer, number]> = [
  ['"123456789"', Buffer.from('123456789'), 0xe3069283],
  ['32 zero bytes', Buffer.alloc(32, 0), 0x8a9136aa],
  ['32 0xff bytes', Buffer.alloc(32, 0xff), 0x62a8ab43],
  ['0..31', Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
  ['31..0', Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ['empty', Buffer.alloc(0), 0],
];

/** CRC32C_IMPLEMENTATION as a fresh process sees it with `env`. */
function implementationIn(env: NodeJS.ProcessEnv): string {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', "const m = await import('./src/broker/protocol/crc32c.ts'); console.log(m.CRC32C_IMPLEMENTATION);"],
    { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(res.status, 0, res.stderr);
  return res.stdout.trim();
}

describe('CRC-32C implementations', () => {
  it(`uses the native package when it is installed, else the portable code (here: ${native ? 'installed' : 'not installed'})`, () => {
    if (native && process.env.KAFKA_BROKER_PORTABLE_CRC !== '1') {
      assert.equal(CRC32C_IMPLEMENTATION, 'native');
      assert.notEqual(crc32c, crc32cPortable);
    } else {
      assert.equal(CRC32C_IMPLEMENTATION, 'portable');
      assert.equal(crc32c, crc32cPortable);
    }
  });

  it('KAFKA_BROKER_PORTABLE_CRC=1 selects the portable code', () => {
    assert.equal(implementationIn({ KAFKA_BROKER_PORTABLE_CRC: '1' }), 'portable');
    assert.equal(implementationIn({ KAFKA_BROKER_PORTABLE_CRC: undefined }), native ? 'native' : 'portable');
  });

  it('the native package itself gives the known vectors, and continues from a seed', { skip: native ? false : 'the optional @node-rs/crc32 is not installed' }, () => {
    for (const [name, buf, want] of VECTORS) assert.equal(native!(buf) >>> 0, want, name);
    const check = Buffer.from('123456789');
    assert.equal(native!(check.subarray(4), native!(check.subarray(0, 4))) >>> 0, 0xe3069283);
  });

  it('the portable code gives the known vectors', () => {
    for (const [name, buf, want] of VECTORS) assert.equal(crc32cPortable(buf), want, name);
  });

  it(`the one in use (${CRC32C_IMPLEMENTATION}) equals the portable one on ranges and seeds`, () => {
    for (let i = 0; i < 200; i++) {
      const buf = randomBytes(1 + ((i * 37) % 3000));
      const start = i % Math.min(9, buf.length);
      const end = buf.length - (i % 5 < buf.length - start ? i % 5 : 0);
      const seed = i % 3 === 0 ? 0 : crc32cPortable(buf, 0, start);
      assert.equal(crc32c(buf, start, end, seed), crc32cPortable(buf, start, end, seed), `case ${i}`);
    }
  });
});
