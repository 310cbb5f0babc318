import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { StorageError } from '../../../src/broker/storage/log-manager.js';
import { batch, DEFAULTS, openManager, removeDir, tempDir } from './helpers.js';

async function withManager(fn: (ctx: Awaited<ReturnType<typeof openManager>> & { dir: string }) => Promise<void>) {
  const dir = tempDir();
  const ctx = await openManager(dir);
  try {
    await fn({ ...ctx, dir });
  } finally {
    await ctx.mgr.close();
    removeDir(dir);
  }
}

test('createTopic validates partitions, configs and names that would escape dataDir', async () => {
  await withManager(async ({ mgr, dir }) => {
    const info = await mgr.createTopic('a.b_c-1', 2, { 'retention.ms': '-1', 'cleanup.policy': 'delete' });
    assert.equal(info.name, 'a.b_c-1');
    assert.equal(info.partitions, 2);
    assert.match(info.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(info.configs, { 'retention.ms': '-1', 'cleanup.policy': 'delete' });
    assert.ok(fs.existsSync(path.join(dir, 'a.b_c-1-0', '00000000000000000000.log')));
    assert.ok(fs.existsSync(path.join(dir, 'a.b_c-1-1')));
    assert.ok(fs.existsSync(path.join(dir, 'topics.json')));

    await assert.rejects(mgr.createTopic('a.b_c-1', 1), { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS });
    for (const n of [0, -1, 1.5]) {
      await assert.rejects(mgr.createTopic(`p${n}`, n), { errorCode: ErrorCode.INVALID_PARTITIONS });
    }
    const badConfigs: Record<string, string>[] = [
      { 'retention.ms': 'soon' },
      { 'segment.bytes': '10' },
      { 'cleanup.policy': 'compact' },
      { 'unknown.setting': '1' },
    ];
    for (const configs of badConfigs) {
      await assert.rejects(mgr.createTopic('cfg', 1, configs), { errorCode: ErrorCode.INVALID_CONFIG }, JSON.stringify(configs));
    }
    for (const bad of ['..', '.', 'a/b', '../escape', '']) {
      await assert.rejects(mgr.createTopic(bad, 1), (err: unknown) => err instanceof StorageError, bad);
    }
    assert.ok(!fs.existsSync(path.join(path.dirname(dir), 'escape-0')));
    assert.deepEqual(
      mgr.listTopics().map((t) => t.name),
      ['a.b_c-1'],
      'failed creations leave nothing behind',
    );
    assert.equal(mgr.partition('a.b_c-1', 2), undefined);
    assert.equal(mgr.partition('a.b_c-1', -1), undefined);
    assert.equal(mgr.partition('nope', 0), undefined);
  });
});

test('concurrent creates of one name: exactly one wins', async () => {
  await withManager(async ({ mgr }) => {
    const results = await Promise.allSettled([mgr.createTopic('dup', 1), mgr.createTopic('dup', 3)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal((rejected.reason as StorageError).errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  });
});

test('topicConfig merges explicit settings over the defaults', async () => {
  await withManager(async ({ mgr }) => {
    await mgr.createTopic('plain', 1);
    await mgr.createTopic('tuned', 1, { 'retention.bytes': '12345', 'segment.bytes': '4096' });
    assert.deepEqual(mgr.topicConfig('plain'), DEFAULTS);
    assert.deepEqual(mgr.topicConfig('tuned'), { ...DEFAULTS, retentionBytes: 12345, segmentBytes: 4096 });
    assert.deepEqual(mgr.getTopic('plain')?.configs, {});
    // Callers get copies; changing them changes nothing inside.
    mgr.getTopic('tuned')!.configs['retention.bytes'] = '1';
    mgr.topicConfig('tuned').retentionBytes = 1;
    assert.equal(mgr.topicConfig('tuned').retentionBytes, 12345);
    assert.equal(mgr.getTopic('tuned')!.configs['retention.bytes'], '12345');
  });
});

test('createPartitions only grows, and new partitions work and persist', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('g', 2);
    await ctx.mgr.partition('g', 0)!.append(batch(3));
    await assert.rejects(ctx.mgr.createPartitions('g', 2), { errorCode: ErrorCode.INVALID_PARTITIONS });
    await assert.rejects(ctx.mgr.createPartitions('g', 1), { errorCode: ErrorCode.INVALID_PARTITIONS });
    await assert.rejects(ctx.mgr.createPartitions('missing', 4), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    const id = ctx.mgr.getTopic('g')!.id;
    await ctx.mgr.createPartitions('g', 5);
    assert.equal(ctx.mgr.getTopic('g')!.partitions, 5);
    assert.equal(ctx.mgr.getTopic('g')!.id, id);
    assert.equal((await ctx.mgr.partition('g', 4)!.append(batch(1))).baseOffset, 0n);
    await ctx.mgr.close();

    ctx = await openManager(dir);
    assert.equal(ctx.mgr.getTopic('g')!.partitions, 5);
    assert.equal(ctx.mgr.partition('g', 4)!.highWatermark, 1n);
    assert.equal(ctx.mgr.partition('g', 0)!.highWatermark, 3n);
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
});

test('deleteTopic removes files and committed offsets; the name can be reused from scratch', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    const first = await ctx.mgr.createTopic('gone', 2);
    await ctx.mgr.createTopic('kept', 1);
    const log = ctx.mgr.partition('gone', 1)!;
    await log.append(batch(4));
    await ctx.mgr.offsets.commit('grp', [
      { topic: 'gone', partition: 1, offset: 4n, metadata: null },
      { topic: 'kept', partition: 0, offset: 0n, metadata: null },
    ]);
    // An append queued just before the delete still settles.
    const late = log.append(batch(1));
    await ctx.mgr.deleteTopic('gone');
    await late;
    await assert.rejects(log.append(batch(1)), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    await assert.rejects(ctx.mgr.deleteTopic('gone'), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    assert.equal(ctx.mgr.getTopic('gone'), undefined);
    assert.equal(ctx.mgr.partition('gone', 0), undefined);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('gone')), []);
    assert.equal(ctx.mgr.offsets.get('grp', 'gone', 1), undefined);
    assert.equal(ctx.mgr.offsets.get('grp', 'kept', 0)?.offset, 0n);

    const again = await ctx.mgr.createTopic('gone', 1);
    assert.notEqual(again.id, first.id);
    assert.equal(ctx.mgr.partition('gone', 0)!.highWatermark, 0n);
    await ctx.mgr.close();

    ctx = await openManager(dir);
    assert.deepEqual(ctx.mgr.listTopics().map((t) => t.name).sort(), ['gone', 'kept']);
    assert.equal(ctx.mgr.getTopic('gone')!.id, again.id);
    assert.equal(ctx.mgr.partition('gone', 1), undefined);
    assert.equal(ctx.mgr.offsets.get('grp', 'gone', 1), undefined);
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
});

test('a topic with a maximal 249-character name can be created, used and deleted', async () => {
  await withManager(async ({ mgr, dir }) => {
    const name = 'n'.repeat(249);
    await mgr.createTopic(name, 11);
    await mgr.partition(name, 10)!.append(batch(1));
    await mgr.deleteTopic(name);
    assert.equal(mgr.getTopic(name), undefined);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('n')), []);
  });
});

test('leftovers of an interrupted delete are cleaned on open and never leak into a new topic', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('x', 1);
    await ctx.mgr.partition('x', 0)!.append(batch(2));
    await ctx.mgr.close();
    // Simulate a crash after the rename step, and an orphan partition dir of an unknown topic.
    fs.mkdirSync(path.join(dir, '.trash'));
    fs.renameSync(path.join(dir, 'x-0'), path.join(dir, '.trash', 'abc'));
    fs.mkdirSync(path.join(dir, 'orphan-0'));
    fs.writeFileSync(path.join(dir, 'orphan-0', '00000000000000000000.log'), 'junk');
    fs.mkdirSync(path.join(dir, 'not-ours'));
    ctx = await openManager(dir);
    assert.ok(!fs.existsSync(path.join(dir, '.trash')));
    assert.ok(!fs.existsSync(path.join(dir, 'orphan-0')));
    assert.ok(fs.existsSync(path.join(dir, 'not-ours')), 'unrelated directories are left alone');
    // The topic is still listed (the delete never finished) but its data is gone.
    assert.equal(ctx.mgr.partition('x', 0)!.highWatermark, 0n);
    await ctx.mgr.close();
  } finally {
    removeDir(dir);
  }
});

test('operations after close fail cleanly', async () => {
  const dir = tempDir();
  try {
    const { mgr } = await openManager(dir);
    await mgr.createTopic('c', 1);
    const log = mgr.partition('c', 0)!;
    await log.append(batch(2));
    await mgr.close();
    await assert.rejects(log.append(batch(1)), (err: unknown) => err instanceof StorageError);
    assert.equal((await log.read(0n, 1000)).length, 0, 'a closed log reads as empty');
    assert.equal(await log.offsetForTimestamp(0n), null);
    await assert.rejects(mgr.createTopic('d', 1), (err: unknown) => err instanceof StorageError);
  } finally {
    removeDir(dir);
  }
});
