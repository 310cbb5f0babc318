import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRecordBatch } from '../../../src/broker/protocol/record-batch.js';
import { batch, decodeAll, openManager, removeDir, tempDir } from './helpers.js';

const SEG0 = '00000000000000000000';

async function readAll(log: { highWatermark: bigint; read(o: bigint, m: number): Promise<Buffer> }, from = 0n) {
  const records = [];
  let next = from;
  while (next < log.highWatermark) {
    const got = decodeAll(await log.read(next, 1 << 20));
    for (const r of got.records) if (r.offset >= next) records.push(r);
    next = got.records.at(-1)!.offset + 1n;
  }
  return records;
}

test('a restart keeps topics, ids, configs, data, log start and committed offsets', async () => {
  const dir = tempDir();
  try {
    let first = await openManager(dir);
    const created = await first.mgr.createTopic('orders', 3, { 'retention.ms': '1000000', 'segment.bytes': '2000' });
    for (let i = 0; i < 40; i++) await first.mgr.partition('orders', i % 3)!.append(batch(2, `o${i}`));
    assert.equal(await first.mgr.partition('orders', 1)!.deleteRecordsBefore(5n), 5n);
    await first.mgr.offsets.commit('g1', [
      { topic: 'orders', partition: 0, offset: 7n, metadata: 'meta' },
      { topic: 'orders', partition: 2, offset: 3n, metadata: null },
    ]);
    await first.mgr.close();
    await first.mgr.close(); // idempotent

    first = await openManager(dir);
    const mgr = first.mgr;
    assert.deepEqual(mgr.getTopic('orders'), created);
    assert.deepEqual(mgr.listTopics(), [created]);
    assert.equal(mgr.topicConfig('orders').retentionMs, 1_000_000);
    assert.equal(mgr.topicConfig('orders').segmentBytes, 2000);
    for (let p = 0; p < 3; p++) {
      const log = mgr.partition('orders', p)!;
      assert.ok(log.highWatermark >= 26n, `partition ${p} hw ${log.highWatermark}`);
    }
    const p1 = mgr.partition('orders', 1)!;
    assert.equal(p1.logStartOffset, 5n);
    const recs = await readAll(mgr.partition('orders', 0)!);
    assert.deepEqual(
      recs.map((r) => r.offset),
      Array.from({ length: recs.length }, (_, i) => BigInt(i)),
    );
    assert.equal(recs[0].value?.toString(), 'o0-0');
    assert.deepEqual(mgr.offsets.get('g1', 'orders', 0)?.offset, 7n);
    assert.equal(mgr.offsets.get('g1', 'orders', 0)?.metadata, 'meta');
    assert.equal(mgr.offsets.get('g1', 'orders', 2)?.metadata, null);
    assert.deepEqual(mgr.offsets.groups(), ['g1']);
    // Appends continue where they left off.
    const hw = p1.highWatermark;
    assert.equal((await p1.append(batch(1))).baseOffset, hw);
    await mgr.close();
  } finally {
    removeDir(dir);
  }
});

async function tornTailCase(name: string, damage: (file: string, hw: bigint) => void) {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1);
    for (let i = 0; i < 10; i++) await ctx.mgr.partition('t', 0)!.append(batch(3, `x${i}`));
    const hw = ctx.mgr.partition('t', 0)!.highWatermark;
    const size = ctx.mgr.partition('t', 0)!.sizeInBytes();
    await ctx.mgr.close();
    const file = path.join(dir, 't-0', `${SEG0}.log`);
    damage(file, hw);
    assert.ok(fs.statSync(file).size > size, 'damage added bytes');

    ctx = await openManager(dir);
    const log = ctx.mgr.partition('t', 0)!;
    assert.equal(log.highWatermark, hw, name);
    assert.equal(fs.statSync(file).size, size, `${name}: file truncated to the last good batch`);
    assert.ok(
      ctx.lines.some((l) => l.level === 40 && /truncating/.test(l.msg)),
      `${name}: a warning is logged`,
    );
    assert.equal((await log.append(batch(2, 'after'))).baseOffset, hw, `${name}: next offset is contiguous`);
    const recs = await readAll(log);
    assert.equal(recs.length, 32);
    assert.equal(recs.at(-1)!.value?.toString(), 'after-1');
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
}

test('recovery truncates garbage appended to the last segment', async () => {
  await tornTailCase('garbage', (file) => fs.appendFileSync(file, Buffer.from('this is not a record batch at all')));
});

test('recovery truncates half a batch at the tail', async () => {
  await tornTailCase('half batch', (file, hw) => {
    const b = encodeRecordBatch([{ value: 'torn'.repeat(50) }], { baseOffset: hw });
    fs.appendFileSync(file, b.subarray(0, Math.floor(b.length / 2)));
  });
});

test('recovery truncates a whole tail batch with a bad CRC', async () => {
  await tornTailCase('bad crc', (file, hw) => {
    const b = encodeRecordBatch([{ value: 'flipped' }], { baseOffset: hw });
    b[b.length - 2] ^= 0x55;
    fs.appendFileSync(file, b);
  });
});

test('recovery truncates a tail batch whose offset does not continue the log', async () => {
  await tornTailCase('stale offset', (file, hw) => {
    fs.appendFileSync(file, encodeRecordBatch([{ value: 'stale' }], { baseOffset: hw - 5n }));
  });
});

test('recovery truncates a tail of zeros (preallocated or unwritten pages)', async () => {
  await tornTailCase('zeros', (file) => fs.appendFileSync(file, Buffer.alloc(5000)));
});

test('a lost or damaged index is rebuilt and reads still find every batch', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir, { segmentBytes: 50_000 });
    await ctx.mgr.createTopic('t', 1);
    const bases: bigint[] = [];
    for (let i = 0; i < 1200; i++) bases.push((await ctx.mgr.partition('t', 0)!.append(batch(2, `i${i}`))).baseOffset);
    await ctx.mgr.close();
    const pdir = path.join(dir, 't-0');
    const indexes = fs.readdirSync(pdir).filter((f) => f.endsWith('.index')).sort();
    assert.ok(indexes.length >= 3);
    const nonEmpty = indexes.filter((f) => fs.statSync(path.join(pdir, f)).size > 0);
    assert.ok(nonEmpty.length >= 2, 'sparse index entries were written');
    const firstIndexSize = fs.statSync(path.join(pdir, indexes[0])).size;
    // Lose one index, scribble over another, and leave half an entry in the last.
    fs.rmSync(path.join(pdir, indexes[0]));
    fs.writeFileSync(path.join(pdir, indexes[1]), Buffer.alloc(64, 0xff));
    fs.appendFileSync(path.join(pdir, indexes.at(-1)!), Buffer.from([1, 2, 3]));

    ctx = await openManager(dir, { segmentBytes: 50_000 });
    const log = ctx.mgr.partition('t', 0)!;
    assert.equal(log.highWatermark, 2400n);
    assert.equal(fs.statSync(path.join(pdir, indexes[0])).size, firstIndexSize, 'index rebuilt identically');
    assert.equal(fs.statSync(path.join(pdir, indexes.at(-1)!)).size % 16, 0);
    for (let off = 0n; off < 2400n; off += 13n) {
      const got = decodeAll(await log.read(off, 100));
      assert.equal(got.baseOffsets[0], bases.filter((b) => b <= off).at(-1), `offset ${off}`);
    }
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
});

test('an active segment whose index file vanished keeps indexing after a restart', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1);
    await ctx.mgr.partition('t', 0)!.append(batch(1));
    await ctx.mgr.close();
    const index = path.join(dir, 't-0', `${SEG0}.index`);
    fs.rmSync(index);
    ctx = await openManager(dir);
    const log = ctx.mgr.partition('t', 0)!;
    for (let i = 0; i < 2000; i++) await log.append(batch(2, `z${i}`));
    await ctx.mgr.close();
    assert.ok(fs.statSync(index).size >= 16 * 16, `index has ${fs.statSync(index).size / 16} entries`);
    assert.ok(!ctx.lines.some((l) => l.level >= 40), 'no warnings');
  } finally {
    removeDir(dir);
  }
});

test('acknowledged appends survive kill -9 of the process', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url)), dir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    let acked = -1n;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const lines = out.split('\n');
        out = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('ack ')) {
            const o = BigInt(line.slice(4));
            if (o > acked) acked = o;
          }
        }
        // Enough to have rolled a few segments of 256 KiB.
        if (acked >= 3000n) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGKILL');
    await exited;
    assert.ok(acked >= 3000n, `child acknowledged ${acked}`);

    const ctx = await openManager(dir);
    try {
      const log = ctx.mgr.partition('crash', 0)!;
      const hw = log.highWatermark;
      assert.ok(hw > acked, `hw ${hw} covers acked ${acked}`);
      const recs = await readAll(log);
      assert.equal(BigInt(recs.length), hw);
      recs.forEach((r, i) => assert.equal(r.value!.toString().replace(/\.+$/, ''), `n${i}`));
      assert.equal(ctx.mgr.offsets.get('g', 'crash', 0)?.offset, 42n);
      assert.equal((await log.append(batch(1))).baseOffset, hw);
    } finally {
      await ctx.mgr.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('after a restart, time lookups and time retention use the recovered segment timestamps', async () => {
  const dir = tempDir();
  const DAY = 86_400_000;
  const now = Date.now();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1, { 'segment.bytes': '8000', 'retention.ms': String(DAY) });
    let log = ctx.mgr.partition('t', 0)!;
    // 300 old batches then 300 recent ones; ~100 bytes each, so dozens of segments with index entries.
    for (let i = 0; i < 600; i++) {
      const ts = i < 300 ? now - 10 * DAY + i : now - 600 + i;
      await log.append(encodeRecordBatch([{ value: `m${i}`, timestamp: ts }]));
    }
    await ctx.mgr.close();

    ctx = await openManager(dir);
    log = ctx.mgr.partition('t', 0)!;
    assert.deepEqual(await log.offsetForTimestamp(BigInt(now - 10 * DAY + 150)), {
      offset: 150n,
      timestamp: BigInt(now - 10 * DAY + 150),
    });
    assert.equal((await log.offsetForTimestamp(BigInt(now - 5 * DAY)))?.offset, 300n);
    await ctx.mgr.enforceRetention(now);
    assert.ok(log.logStartOffset > 200n && log.logStartOffset <= 300n, `log start ${log.logStartOffset}`);
    const first = decodeAll(await log.read(300n, 1)).records[0];
    assert.equal(first.value?.toString(), 'm300');
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
});

test('a data directory in use by another live process is refused; a stale lock is taken over', async () => {
  const dir = tempDir();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => other.once('spawn', resolve));
    fs.writeFileSync(path.join(dir, '.lock'), `${other.pid}\n`);
    await assert.rejects(openManager(dir), /in use by process/);
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    const ctx = await openManager(dir);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, '.lock'), 'utf8')).pid, process.pid);
    await ctx.mgr.close();
    assert.ok(!fs.existsSync(path.join(dir, '.lock')), 'the lock goes away on close');
  } finally {
    other.kill('SIGKILL');
    removeDir(dir);
  }
});
