import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { Attr, BATCH_HEADER_SIZE, Off, encodeRecordBatch, LOG_OVERHEAD } from '../../../src/broker/protocol/record-batch.js';
import { crc32c } from '../../../src/broker/protocol/crc32c.js';
import { batch, decodeAll, openManager, removeDir, tempDir } from './helpers.js';

const DAY = 86_400_000;

function segmentFiles(dir: string, topic = 't', p = 0): string[] {
  return fs
    .readdirSync(path.join(dir, `${topic}-${p}`))
    .filter((f) => f.endsWith('.log'))
    .sort();
}

async function withTopic(
  configs: Record<string, string>,
  fn: (ctx: Awaited<ReturnType<typeof openManager>> & { dir: string }) => Promise<void>,
) {
  const dir = tempDir();
  const ctx = await openManager(dir);
  try {
    await ctx.mgr.createTopic('t', 1, configs);
    await fn({ ...ctx, dir });
  } finally {
    await ctx.mgr.close();
    removeDir(dir);
  }
}

/** A batch whose records have the given timestamps (one record each). */
function stamped(stamps: number[], tag: string): Buffer {
  return encodeRecordBatch(stamps.map((t, i) => ({ value: `${tag}-${i}`, timestamp: t })));
}

test('offsetForTimestamp finds the first record at or after a timestamp', async () => {
  await withTopic({}, async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    assert.equal(await log.offsetForTimestamp(0n), null, 'empty log');
    await log.append(stamped([1000, 1010, 1020], 'a')); // offsets 0-2
    await log.append(stamped([2000, 2010, 2020], 'b')); // 3-5
    await log.append(stamped([3000, 3010, 3020], 'c')); // 6-8
    assert.deepEqual(await log.offsetForTimestamp(0n), { offset: 0n, timestamp: 1000n });
    assert.deepEqual(await log.offsetForTimestamp(1000n), { offset: 0n, timestamp: 1000n });
    assert.deepEqual(await log.offsetForTimestamp(1001n), { offset: 1n, timestamp: 1010n });
    assert.deepEqual(await log.offsetForTimestamp(1500n), { offset: 3n, timestamp: 2000n });
    assert.deepEqual(await log.offsetForTimestamp(2015n), { offset: 5n, timestamp: 2020n });
    assert.deepEqual(await log.offsetForTimestamp(3020n), { offset: 8n, timestamp: 3020n });
    assert.equal(await log.offsetForTimestamp(3021n), null);
  });
});

test('offsetForTimestamp over many batches and segments, and out-of-order timestamps', async () => {
  await withTopic({ 'segment.bytes': '20000' }, async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    const t0 = 1_700_000_000_000;
    // 2000 batches of 2 records, timestamps rising by 10 ms per record.
    for (let i = 0; i < 2000; i++) await log.append(stamped([t0 + i * 20, t0 + i * 20 + 10], `r${i}`));
    for (const probe of [0, 1, 9, 10, 11, 777, 19_990, 39_990]) {
      const hit = await log.offsetForTimestamp(BigInt(t0 + probe));
      const expected = BigInt(Math.ceil(probe / 10));
      assert.deepEqual(hit, { offset: expected, timestamp: BigInt(t0) + expected * 10n }, `probe ${probe}`);
    }
    assert.equal(await log.offsetForTimestamp(BigInt(t0 + 39_991)), null);
    // A late batch with an old timestamp does not hide later matches.
    const { baseOffset } = await log.append(stamped([t0 + 5], 'late'));
    assert.equal((await log.offsetForTimestamp(BigInt(t0 + 1)))?.offset, 1n);
    assert.equal((await log.offsetForTimestamp(BigInt(t0 + 39_991))), null);
    await log.append(stamped([t0 + 50_000], 'future'));
    assert.equal((await log.offsetForTimestamp(BigInt(t0 + 39_991)))?.offset, baseOffset + 1n);
  });
});

test('offsetForTimestamp looks inside gzip batches and respects the log start offset', async () => {
  await withTopic({}, async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    await log.append(stamped([100, 200, 300], 'plain'));
    // Build a gzip batch by compressing the records section of a plain one.
    const plain = stamped([400, 500, 600], 'gz');
    const body = gzipSync(plain.subarray(BATCH_HEADER_SIZE));
    const gz = Buffer.concat([plain.subarray(0, BATCH_HEADER_SIZE), body]);
    gz.writeInt32BE(gz.length - LOG_OVERHEAD, Off.batchLength);
    gz.writeInt16BE(1, Off.attributes);
    gz.writeUInt32BE(crc32c(gz, Off.attributes, gz.length), Off.crc);
    assert.equal(gz.readInt16BE(Off.attributes) & Attr.compressionMask, 1);
    await log.append(gz); // offsets 3-5
    assert.deepEqual(await log.offsetForTimestamp(450n), { offset: 4n, timestamp: 500n });
    await log.deleteRecordsBefore(2n);
    assert.deepEqual(await log.offsetForTimestamp(50n), { offset: 2n, timestamp: 300n });
  });
});

test('deleteRecordsBefore moves the log start, persists it and drops whole segments below it', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1, { 'segment.bytes': '1000' });
    let log = ctx.mgr.partition('t', 0)!;
    for (let i = 0; i < 60; i++) await log.append(batch(2, `d${i}`));
    const hw = log.highWatermark;
    const before = segmentFiles(dir);
    assert.ok(before.length > 5);

    await assert.rejects(log.deleteRecordsBefore(hw + 1n), { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    await assert.rejects(log.deleteRecordsBefore(-2n), { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE });
    const cut = 51n;
    assert.equal(await log.deleteRecordsBefore(cut), cut);
    assert.equal(log.logStartOffset, cut);
    assert.equal(await log.deleteRecordsBefore(10n), cut, 'never moves backwards');
    const after = segmentFiles(dir);
    assert.ok(after.length < before.length, 'old segments deleted');
    const firstBase = BigInt(after[0].slice(0, 20));
    assert.ok(firstBase <= cut, 'the segment holding the cut stays');
    const { records } = decodeAll(await log.read(cut, 1 << 20));
    assert.ok(records.some((r) => r.offset === cut));
    await ctx.mgr.close();

    ctx = await openManager(dir);
    log = ctx.mgr.partition('t', 0)!;
    assert.equal(log.logStartOffset, cut, 'persisted across restart');
    assert.equal(log.highWatermark, hw);
    // -1 means the high watermark: everything goes, including the active segment's data.
    assert.equal(await log.deleteRecordsBefore(-1n), hw);
    assert.equal(log.sizeInBytes(), 0);
    assert.deepEqual(segmentFiles(dir), [`${hw.toString().padStart(20, '0')}.log`]);
    assert.equal((await log.append(batch(1))).baseOffset, hw);
    await ctx.mgr.close();
    ctx = await openManager(dir);
    log = ctx.mgr.partition('t', 0)!;
    assert.equal(log.logStartOffset, hw);
    assert.equal(log.highWatermark, hw + 1n);
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
});

test('time retention deletes old segments, never the active one', async () => {
  await withTopic({ 'segment.bytes': '600', 'retention.ms': String(DAY) }, async ({ mgr, dir }) => {
    const log = mgr.partition('t', 0)!;
    const now = Date.now();
    for (let i = 0; i < 20; i++) await log.append(stamped([now - 10 * DAY + i], `old${i}`));
    const oldEnd = log.highWatermark;
    for (let i = 0; i < 20; i++) await log.append(stamped([now - 1000 + i], `new${i}`));
    const segsBefore = segmentFiles(dir);
    await mgr.enforceRetention(now);
    const segsAfter = segmentFiles(dir);
    assert.ok(segsAfter.length < segsBefore.length);
    assert.ok(log.logStartOffset > 0n && log.logStartOffset <= oldEnd, `log start ${log.logStartOffset}`);
    assert.equal(BigInt(segsAfter[0].slice(0, 20)), log.logStartOffset);
    // Nothing newer than retention was removed.
    const recs = decodeAll(await log.read(oldEnd, 1 << 20)).records;
    assert.equal(recs.find((r) => r.offset === oldEnd)?.value?.toString(), 'new0-0');

    // Even when everything is old, the active segment stays.
    await mgr.enforceRetention(now + 100 * DAY);
    assert.equal(segmentFiles(dir).length, 1);
    assert.ok(log.sizeInBytes() > 0);
    assert.equal(log.highWatermark, 40n);
  });
});

test('size retention keeps at least retention.bytes and moves the log start', async () => {
  await withTopic({ 'segment.bytes': '1000', 'retention.bytes': '3000' }, async ({ mgr, dir }) => {
    const log = mgr.partition('t', 0)!;
    for (let i = 0; i < 200; i++) await log.append(batch(2, `s${i}`));
    const total = log.sizeInBytes();
    assert.ok(total > 10_000);
    await mgr.enforceRetention();
    const size = log.sizeInBytes();
    assert.ok(size >= 3000, `kept ${size}`);
    assert.ok(size < 3000 + 1100, `kept ${size}`);
    assert.equal(BigInt(segmentFiles(dir)[0].slice(0, 20)), log.logStartOffset);
    assert.equal(log.highWatermark, 400n);
  });
});

test('retention is off with the defaults (-1 bytes, 7 days) for fresh data', async () => {
  await withTopic({ 'segment.bytes': '500' }, async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    for (let i = 0; i < 20; i++) await log.append(batch(2));
    const size = log.sizeInBytes();
    await mgr.enforceRetention();
    assert.equal(log.sizeInBytes(), size);
    assert.equal(log.logStartOffset, 0n);
  });
});
