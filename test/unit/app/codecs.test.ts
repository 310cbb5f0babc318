import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as snappy from 'snappy';
import { MAX_DECOMPRESSED_BYTES, lz4Codec, placeholderRecords, recordsProblem, snappyCodec, zstdCodec } from '../../../src/kafka/codecs.js';
import { murmur2 } from '../../../src/kafka/murmur2.js';

const XERIAL = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

test('snappy: xerial framing (what Java producers send) in 32 KiB blocks, and raw snappy (librdkafka), both decode', async () => {
  const data = Buffer.concat([randomBytes(50_000), Buffer.alloc(30_000, 7)]);
  const framed = await snappyCodec.compress(data);
  assert.ok(framed.subarray(0, 8).equals(XERIAL));
  // 80 000 bytes in 32 KiB blocks: three length-prefixed blocks after the 16-byte header.
  let at = 16;
  let blocks = 0;
  while (at < framed.length) {
    at += 4 + framed.readInt32BE(at);
    blocks++;
  }
  assert.equal(at, framed.length);
  assert.equal(blocks, 3);
  assert.ok((await snappyCodec.decompress(framed)).equals(data));
  assert.ok((await snappyCodec.decompress(await snappy.compress(data))).equals(data));
});

test('snappy: corrupt, truncated and inflating input is refused with an error, not a crash or a huge allocation', async () => {
  await assert.rejects(snappyCodec.decompress(Buffer.from('\xff\xff\xff\xff\x0fgarbage', 'latin1')), /snappy: block would inflate past/);
  const framed = await snappyCodec.compress(Buffer.alloc(1000, 1));
  await assert.rejects(snappyCodec.decompress(framed.subarray(0, framed.length - 3)), /overruns/);
  // A raw stream whose header claims more than the cap is refused before anything is inflated.
  const claim: number[] = [];
  for (let n = MAX_DECOMPRESSED_BYTES + 1; n >= 0x80; n = Math.floor(n / 128)) claim.push((n & 0x7f) | 0x80);
  claim.push(Math.floor((MAX_DECOMPRESSED_BYTES + 1) / 128 ** claim.length));
  await assert.rejects(snappyCodec.decompress(Buffer.from([...claim, 0, 0, 0])), /inflate past/);
});

test('lz4 (frame format) and zstd round-trip and refuse garbage', async () => {
  const data = Buffer.concat([randomBytes(10_000), Buffer.alloc(100_000, 3)]);
  for (const [codec, refusal] of [[lz4Codec, /WrongMagicNumber/], [zstdCodec, /zstd: Unknown frame descriptor/]] as const) {
    const packed = await codec.compress(data);
    assert.ok(packed.length < data.length);
    assert.ok((await codec.decompress(packed)).equals(data));
    await assert.rejects(codec.decompress(Buffer.from('definitely not compressed')), refusal);
  }
  assert.equal((await lz4Codec.compress(data)).readUInt32LE(0), 0x184d2204, 'LZ4 frame magic');
  assert.equal((await zstdCodec.compress(data)).readUInt32LE(0), 0xfd2fb528, 'zstd frame magic');
});

test('recordsProblem accepts well-formed records and names what is wrong with garbage', () => {
  const good = placeholderRecords({ baseOffset: 10n, lastOffsetDelta: 4, count: 5 }, 'test');
  assert.equal(recordsProblem(good, 5), undefined);
  assert.match(recordsProblem(good, 6) ?? '', /malformed|overruns/);
  // A record claiming a 63-byte body in a one-byte buffer.
  assert.match(recordsProblem(Buffer.from([0x7f]), 1) ?? '', /overruns/);
});

test('murmur2 matches the Java client (Kafka\'s own test vectors) and kafkajs\'s copy on long keys', async () => {
  assert.equal(murmur2('21'), -973932308);
  assert.equal(murmur2('foobar'), -790332482);
  assert.equal(murmur2('a-little-bit-long-string'), -985981536);
  assert.equal(murmur2('a-little-bit-longer-string'), -1486304829);
  assert.equal(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971);
  assert.equal(murmur2('abc'), 479470107);
  const kafkajsMurmur2 = (await import('kafkajs/src/producer/partitioners/default/murmur2.js' as string)).default as (k: Buffer) => number;
  for (const length of [4093, 4094, 4095, 4096]) {
    const key = randomBytes(length);
    assert.equal(murmur2(key), kafkajsMurmur2(key), `length ${length}`);
  }
});
