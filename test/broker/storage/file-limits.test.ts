// Storage under the two limits of issue 8 item 4: segment files are opened lazily through one
// bounded cache (so partitions do not cost descriptors), the broker-wide partition budget is
// checked before anything is created, and a create that fails part-way leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { batch, decodeAll, openFilesUnder, openManager, removeDir, tempDir } from './helpers.js';

const partitionDirs = (dir: string, topic: string) =>
  fs
    .readdirSync(dir)
    .filter((n) => n.startsWith(`${topic}-`) && /-\d+$/.test(n))
    .sort();

test('a thousand partitions written and read all at once never hold more than maxOpenFiles segment files', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir, {}, { maxOpenFiles: 4 });
  try {
    const n = 1000;
    await mgr.createTopic('wide', n);
    assert.equal(openFilesUnder(dir).filter((f) => /\.(log|index)$/.test(f)).length, 0, 'creating partitions opens nothing');
    // Every partition at once: most appends wait for a file slot instead of failing.
    const appended = await Promise.all(
      Array.from({ length: n }, (_, p) => mgr.partition('wide', p)!.append(batch(3, `p${p}`))),
    );
    assert.ok(appended.every((a) => a.baseOffset === 0n));
    const reads = await Promise.all(Array.from({ length: n }, (_, p) => mgr.partition('wide', p)!.read(0n, 1 << 16)));
    reads.forEach((buf, p) => {
      assert.deepEqual(
        decodeAll(buf).records.map((r) => r.value?.toString()),
        [`p${p}-0`, `p${p}-1`, `p${p}-2`],
        `partition ${p}`,
      );
    });
    const stats = mgr.files.stats();
    assert.ok(stats.peak <= 4, `peak ${stats.peak}`);
    assert.equal(stats.waiting, 0);
    assert.ok(openFilesUnder(dir).filter((f) => /\.(log|index)$/.test(f)).length <= 4);
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});

test('partitions survive a restart with a small maxOpenFiles, and recovery opens one file at a time', async () => {
  const dir = tempDir();
  let ctx = await openManager(dir, {}, { maxOpenFiles: 2 });
  try {
    await ctx.mgr.createTopic('r', 300);
    await Promise.all(Array.from({ length: 300 }, (_, p) => ctx.mgr.partition('r', p)!.append(batch(1, `r${p}`))));
    await ctx.mgr.close();
    ctx = await openManager(dir, {}, { maxOpenFiles: 2 });
    assert.ok(ctx.mgr.files.stats().peak <= 2);
    for (const p of [0, 150, 299]) {
      const log = ctx.mgr.partition('r', p)!;
      assert.equal(log.highWatermark, 1n);
      assert.deepEqual(decodeAll(await log.read(0n, 4096)).records.map((r) => r.value?.toString()), [`r${p}-0`]);
    }
  } finally {
    await ctx.mgr.close();
    removeDir(dir);
  }
});

test('the broker-wide partition budget is checked before anything is created', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir, {}, { maxPartitions: 10 });
  try {
    await mgr.createTopic('a', 6);
    await assert.rejects(mgr.createTopic('b', 5), (err: { errorCode: number; message: string }) => {
      assert.equal(err.errorCode, ErrorCode.POLICY_VIOLATION);
      assert.match(err.message, /at most 10 partitions .* has 6; 5 more would make 11/);
      return true;
    });
    assert.deepEqual(partitionDirs(dir, 'b'), []);
    assert.equal(mgr.getTopic('b'), undefined);
    await assert.rejects(mgr.createPartitions('a', 11), { errorCode: ErrorCode.POLICY_VIOLATION });
    assert.equal(mgr.getTopic('a')!.partitions, 6);
    assert.equal(partitionDirs(dir, 'a').length, 6);
    await mgr.createPartitions('a', 8);
    await mgr.createTopic('c', 2);
    assert.equal(mgr.partitionCount(), 10);
    assert.match(mgr.partitionBudgetProblem(1) ?? '', /has 10; 1 more would make 11/);
    assert.equal(mgr.partitionBudgetProblem(0), null);
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});

test('a create that fails after making its partitions removes their directories, and nothing is kept open', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir);
  try {
    await mgr.createTopic('keep', 2);
    // topics.json is replaced through topics.json.tmp; a directory there makes that step fail
    // after every partition directory was made.
    const obstacle = path.join(dir, 'topics.json.tmp');
    fs.mkdirSync(obstacle);
    await assert.rejects(mgr.createTopic('doomed', 40), { code: 'EISDIR' });
    assert.deepEqual(partitionDirs(dir, 'doomed'), []);
    assert.equal(mgr.getTopic('doomed'), undefined);
    await assert.rejects(mgr.createPartitions('keep', 30), { code: 'EISDIR' });
    assert.deepEqual(partitionDirs(dir, 'keep'), ['keep-0', 'keep-1']);
    assert.equal(mgr.getTopic('keep')!.partitions, 2);
    assert.equal(openFilesUnder(dir).filter((f) => /\.(log|index)$/.test(f)).length, 0);
    assert.equal(mgr.partitionCount(), 2);

    fs.rmdirSync(obstacle);
    await mgr.createTopic('doomed', 3);
    await mgr.createPartitions('keep', 4);
    assert.equal(partitionDirs(dir, 'doomed').length, 3);
    assert.equal(partitionDirs(dir, 'keep').length, 4);
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});
