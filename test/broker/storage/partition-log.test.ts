import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { Off, encodeRecordBatch } from '../../../src/broker/protocol/record-batch.js';
import { StorageError } from '../../../src/broker/storage/log-manager.js';
import { batch, decodeAll, openFilesUnder, openManager, removeDir, tempDir } from './helpers.js';

async function withLog(
  fn: (ctx: Awaited<ReturnType<typeof openManager>> & { dir: string }) => Promise<void>,
  configs: Record<string, string> = {},
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

test('appends get consecutive base offsets and read back as the same records', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    assert.equal(log.highWatermark, 0n);
    assert.equal(log.logStartOffset, 0n);
    assert.equal((await log.read(0n, 1000)).length, 0, 'empty log reads empty');
    const offsets = [];
    for (let i = 0; i < 5; i++) offsets.push((await log.append(batch(i + 1, `b${i}`))).baseOffset);
    assert.deepEqual(offsets, [0n, 1n, 3n, 6n, 10n]);
    assert.equal(log.highWatermark, 15n);
    const { baseOffsets, records } = decodeAll(await log.read(0n, 1 << 20));
    assert.deepEqual(baseOffsets, offsets);
    assert.deepEqual(
      records.map((r) => r.offset),
      Array.from({ length: 15 }, (_, i) => BigInt(i)),
    );
    assert.equal(records[14].value?.toString(), 'b4-4');
    assert.equal(records[14].key?.toString(), 'k4');
    assert.equal((await log.read(15n, 1000)).length, 0, 'read at the high watermark is empty');
  });
});

test('append returns CreateTime (-1) and rewrites only baseOffset and leader epoch', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    await log.append(batch(2));
    const b = encodeRecordBatch([{ value: 'x' }], { baseOffset: 999n });
    b.writeInt32BE(-1, Off.partitionLeaderEpoch);
    const original = Buffer.from(b);
    const res = await log.append(b);
    assert.equal(res.baseOffset, 2n);
    assert.equal(res.logAppendTime, -1n);
    const stored = await log.read(2n, 1000);
    assert.equal(stored.readBigInt64BE(Off.baseOffset), 2n);
    assert.equal(stored.readInt32BE(Off.partitionLeaderEpoch), 0);
    assert.ok(stored.subarray(Off.magic).equals(original.subarray(Off.magic)), 'bytes from magic on are untouched');
  });
});

test('one append may carry several batches', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    await log.append(batch(1, 'first'));
    const res = await log.append(Buffer.concat([batch(2, 'x'), batch(3, 'y')]));
    assert.equal(res.baseOffset, 1n);
    assert.equal(log.highWatermark, 6n);
    const { baseOffsets, records } = decodeAll(await log.read(0n, 1 << 20));
    assert.deepEqual(baseOffsets, [0n, 1n, 3n]);
    assert.deepEqual(records.map((r) => r.value?.toString()), ['first-0', 'x-0', 'x-1', 'y-0', 'y-1', 'y-2']);
  });
});

test('a read from the middle of a batch starts with that batch', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    for (let i = 0; i < 4; i++) await log.append(batch(5, `b${i}`)); // batches at 0, 5, 10, 15
    for (const [fetch, firstBase] of [
      [0n, 0n],
      [3n, 0n],
      [5n, 5n],
      [9n, 5n],
      [12n, 10n],
      [19n, 15n],
    ] as const) {
      const { baseOffsets } = decodeAll(await log.read(fetch, 1 << 20));
      assert.equal(baseOffsets[0], firstBase, `fetch ${fetch}`);
      assert.equal(baseOffsets.at(-1), 15n);
    }
  });
});

test('maxBytes limits the result to whole batches but always returns at least one', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const b = batch(2, `b${i}`);
      sizes.push(b.length);
      await log.append(b);
    }
    const one = await log.read(0n, 1);
    assert.equal(one.length, sizes[0], 'a single batch even when maxBytes is smaller');
    const zero = await log.read(4n, 0);
    assert.deepEqual(decodeAll(zero).baseOffsets, [4n]);
    const two = await log.read(0n, sizes[0] + sizes[1] + sizes[2] - 1);
    assert.deepEqual(decodeAll(two).baseOffsets, [0n, 2n]);
    const exact = await log.read(0n, sizes[0] + sizes[1] + sizes[2]);
    assert.deepEqual(decodeAll(exact).baseOffsets, [0n, 2n, 4n]);

    const big = batch(3, 'big', undefined, 100_000);
    const { baseOffset } = await log.append(big);
    const got = await log.read(baseOffset, 1000);
    assert.equal(got.length, big.length, 'a batch bigger than maxBytes comes back whole');
    assert.equal(decodeAll(got).records[2].value?.length, 100_000);
  });
});

test('reads find the right batch among thousands (sparse index) and across rolled segments', async () => {
  await withLog(
    async ({ mgr, dir }) => {
      const log = mgr.partition('t', 0)!;
      const bases: bigint[] = [];
      for (let i = 0; i < 3000; i++) bases.push((await log.append(batch((i % 3) + 1, `r${i}`))).baseOffset);
      const hw = log.highWatermark;
      const segs = fs.readdirSync(path.join(dir, 't-0')).filter((f) => f.endsWith('.log'));
      assert.ok(segs.length >= 3, `expected several segments, got ${segs.length}`);
      assert.ok(segs.every((f) => /^\d{20}\.log$/.test(f)));
      assert.ok(segs.includes('00000000000000000000.log'));
      // Every segment file is named after its first offset.
      for (const f of segs) assert.ok(bases.includes(BigInt(f.slice(0, 20))), f);
      for (let off = 0n; off < hw; off += 7n) {
        const { baseOffsets, records } = decodeAll(await log.read(off, 500));
        const expectedBase = bases.filter((b) => b <= off).at(-1);
        assert.equal(baseOffsets[0], expectedBase, `offset ${off}`);
        assert.ok(records.some((r) => r.offset === off));
      }
      // Reading everything segment by segment yields every offset exactly once, in order.
      let next = 0n;
      let seen = 0n;
      while (next < hw) {
        const { records } = decodeAll(await log.read(next, 64 * 1024));
        assert.ok(records.length > 0);
        for (const r of records) {
          if (r.offset < next) continue;
          assert.equal(r.offset, seen);
          seen++;
        }
        next = records.at(-1)!.offset + 1n;
      }
      assert.equal(seen, hw);
    },
    { 'segment.bytes': String(64 * 1024) },
  );
});

test('a bad CRC is rejected with CORRUPT_MESSAGE and nothing is written', async () => {
  await withLog(async ({ mgr, dir }) => {
    const log = mgr.partition('t', 0)!;
    await log.append(batch(2));
    const sizeBefore = log.sizeInBytes();
    const fileBefore = fs.statSync(path.join(dir, 't-0', '00000000000000000000.log')).size;
    const bad = batch(3);
    bad[bad.length - 1] ^= 0xff;
    await assert.rejects(log.append(bad), (err: unknown) => {
      assert.ok(err instanceof StorageError);
      assert.equal(err.errorCode, ErrorCode.CORRUPT_MESSAGE);
      return true;
    });
    // A good batch followed by a corrupt one: the whole append is refused.
    await assert.rejects(log.append(Buffer.concat([batch(1), bad])), { errorCode: ErrorCode.CORRUPT_MESSAGE });
    assert.equal(log.highWatermark, 2n);
    assert.equal(log.sizeInBytes(), sizeBefore);
    assert.equal(fs.statSync(path.join(dir, 't-0', '00000000000000000000.log')).size, fileBefore);
    assert.equal((await log.append(batch(1))).baseOffset, 2n, 'offsets stay contiguous after a rejection');
  });
});

test('malformed batches are rejected with INVALID_RECORD', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    const good = batch(2);
    const cases: [string, Buffer][] = [
      ['empty', Buffer.alloc(0)],
      ['truncated', good.subarray(0, good.length - 5)],
      ['trailing bytes', Buffer.concat([good, Buffer.alloc(4)])],
      ['short header', good.subarray(0, 30)],
    ];
    const magic = Buffer.from(good);
    magic.writeInt8(1, Off.magic);
    cases.push(['magic 1', magic]);
    const mismatch = encodeRecordBatch([{ value: 'a' }, { value: 'b' }]);
    mismatch.writeInt32BE(5, Off.lastOffsetDelta); // CRC-covered, so recompute it
    const { crc32c } = await import('../../../src/broker/protocol/crc32c.js');
    mismatch.writeUInt32BE(crc32c(mismatch, Off.attributes, mismatch.length), Off.crc);
    cases.push(['offset delta does not match count', mismatch]);
    for (const [name, buf] of cases) {
      await assert.rejects(log.append(buf), { errorCode: ErrorCode.INVALID_RECORD }, name);
    }
    assert.equal(log.highWatermark, 0n);
    assert.equal(log.sizeInBytes(), 0);
  });
});

test('concurrent appends get contiguous offsets in call order', async () => {
  await withLog(
    async ({ mgr }) => {
      const log = mgr.partition('t', 0)!;
      const pending = [];
      for (let i = 0; i < 300; i++) pending.push(log.append(batch((i % 4) + 1, `c${i}`)));
      const results = await Promise.all(pending);
      let expected = 0n;
      results.forEach((r, i) => {
        assert.equal(r.baseOffset, expected, `append ${i}`);
        expected += BigInt((i % 4) + 1);
      });
      assert.equal(log.highWatermark, expected);
      const values: string[] = [];
      let next = 0n;
      while (next < expected) {
        const { records } = decodeAll(await log.read(next, 1 << 20));
        for (const r of records) if (r.offset >= next) values.push(r.value!.toString());
        next = records.at(-1)!.offset + 1n;
      }
      const want: string[] = [];
      for (let i = 0; i < 300; i++) for (let j = 0; j < (i % 4) + 1; j++) want.push(`c${i}-${j}`);
      assert.deepEqual(values, want);
    },
    { 'segment.bytes': '4000' },
  );
});

test('the high watermark only covers completed writes and listeners fire after it moves', async () => {
  await withLog(async ({ mgr }) => {
    const log = mgr.partition('t', 0)!;
    const seen: [string, number, bigint][] = [];
    const unsubscribe = mgr.onAppend((topic, partition) => {
      seen.push([topic, partition, mgr.partition(topic, partition)!.highWatermark]);
    });
    const p = log.append(batch(3));
    assert.equal(log.highWatermark, 0n, 'not visible before the write returned');
    assert.equal((await log.read(0n, 1000)).length, 0);
    await p;
    assert.deepEqual(seen, [['t', 0, 3n]]);
    unsubscribe();
    await log.append(batch(1));
    assert.equal(seen.length, 1, 'no calls after unsubscribe');
  });
});

test('old segments do not each keep a file descriptor open: the broker-wide maxOpenFiles bounds them', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir, {}, { maxOpenFiles: 8 });
  try {
    await mgr.createTopic('t', 1, { 'segment.bytes': '1000' });
    const log = mgr.partition('t', 0)!;
    for (let i = 0; i < 400; i++) await log.append(batch(2, `f${i}`));
    const segs = fs.readdirSync(path.join(dir, 't-0')).filter((f) => f.endsWith('.log'));
    assert.ok(segs.length >= 30, `${segs.length} segments`);
    // A consumer catching up from the start touches every segment.
    let next = 0n;
    let read = 0;
    while (next < log.highWatermark) {
      const { records } = decodeAll(await log.read(next, 100));
      read += records.length;
      next = records.at(-1)!.offset + 1n;
    }
    assert.equal(read, 800);
    // Segment files only: the committed-offsets journal is the one other file kept open.
    const open = openFilesUnder(dir).filter((f) => /\.(log|index)$/.test(f));
    assert.ok(open.length <= 8, `open segment files: ${open.length}`);
    assert.ok(mgr.files.stats().open <= 8);
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});
