import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { OffsetStore } from '../../../src/broker/storage/offset-store.js';
import { memoryLogger, removeDir, tempDir } from './helpers.js';

async function open(dir: string) {
  const { logger, lines } = memoryLogger();
  return { store: await OffsetStore.open(dir, logger), lines };
}

test('commits are readable at once, per group, and survive a reopen', async () => {
  const dir = tempDir();
  try {
    let { store } = await open(dir);
    assert.deepEqual(store.groups(), []);
    const before = Date.now();
    await store.commit('g1', [
      { topic: 't', partition: 0, offset: 10n, metadata: 'hello' },
      { topic: 't', partition: 1, offset: 2n ** 40n, metadata: null },
    ]);
    await store.commit('g2', [{ topic: 'u', partition: 0, offset: 0n, metadata: '' }]);
    await store.commit('g1', [{ topic: 't', partition: 0, offset: 11n, metadata: 'again' }]);
    const c = store.get('g1', 't', 0)!;
    assert.equal(c.offset, 11n);
    assert.equal(c.metadata, 'again');
    assert.ok(c.commitTimestamp >= before && c.commitTimestamp <= Date.now());
    assert.equal(store.get('g1', 't', 1)?.offset, 2n ** 40n);
    assert.equal(store.get('g1', 'u', 0), undefined);
    assert.deepEqual(store.groups().sort(), ['g1', 'g2']);
    assert.deepEqual(
      store
        .forGroup('g1')
        .map((e) => [e.topic, e.partition, e.committed.offset])
        .sort(),
      [
        ['t', 0, 11n],
        ['t', 1, 2n ** 40n],
      ],
    );
    await store.close();

    ({ store } = await open(dir));
    assert.equal(store.get('g1', 't', 0)?.offset, 11n);
    assert.equal(store.get('g1', 't', 0)?.metadata, 'again');
    assert.equal(store.get('g1', 't', 0)?.commitTimestamp, c.commitTimestamp);
    assert.equal(store.get('g2', 'u', 0)?.metadata, '');
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('deleteGroup and deleteTopic are durable', async () => {
  const dir = tempDir();
  try {
    let { store } = await open(dir);
    await store.commit('a', [
      { topic: 'x', partition: 0, offset: 1n, metadata: null },
      { topic: 'y', partition: 0, offset: 2n, metadata: null },
    ]);
    await store.commit('b', [{ topic: 'x', partition: 3, offset: 3n, metadata: null }]);
    await store.commit('c', [{ topic: 'z', partition: 0, offset: 4n, metadata: null }]);
    await store.deleteTopic('x');
    assert.deepEqual(store.groups().sort(), ['a', 'c'], 'a group left with nothing disappears');
    assert.equal(store.get('a', 'x', 0), undefined);
    assert.equal(store.get('a', 'y', 0)?.offset, 2n);
    await store.deleteGroup('c');
    await store.deleteGroup('never-existed');
    assert.deepEqual(store.groups(), ['a']);
    await store.close();
    ({ store } = await open(dir));
    assert.deepEqual(store.groups(), ['a']);
    assert.deepEqual(store.forGroup('a').map((e) => e.topic), ['y']);
    assert.deepEqual(store.forGroup('b'), []);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('many concurrent commits resolve in order and the last one wins', async () => {
  const dir = tempDir();
  try {
    let { store } = await open(dir);
    const done: number[] = [];
    const all = [];
    for (let i = 0; i < 500; i++) {
      all.push(store.commit('g', [{ topic: 't', partition: i % 5, offset: BigInt(i), metadata: null }]).then(() => done.push(i)));
    }
    await Promise.all(all);
    assert.deepEqual(done, Array.from({ length: 500 }, (_, i) => i));
    for (let p = 0; p < 5; p++) assert.equal(store.get('g', 't', p)?.offset, BigInt(495 + p));
    await store.close();
    ({ store } = await open(dir));
    for (let p = 0; p < 5; p++) assert.equal(store.get('g', 't', p)?.offset, BigInt(495 + p));
    // Reopening compacts the journal to one line per group.
    const text = fs.readFileSync(path.join(dir, 'committed-offsets.jsonl'), 'utf8');
    assert.equal(text.trim().split('\n').length, 1);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('a torn last line (crash mid-write) is skipped with a warning', async () => {
  const dir = tempDir();
  try {
    let { store } = await open(dir);
    await store.commit('g', [{ topic: 't', partition: 0, offset: 5n, metadata: null }]);
    await store.close();
    fs.appendFileSync(path.join(dir, 'committed-offsets.jsonl'), '{"g":"g","e":[["t",0,"9');
    let lines;
    ({ store, lines } = await open(dir));
    assert.equal(store.get('g', 't', 0)?.offset, 5n);
    assert.ok(lines.some((l) => l.level === 40));
    await store.commit('g', [{ topic: 't', partition: 0, offset: 6n, metadata: null }]);
    await store.close();
    ({ store } = await open(dir));
    assert.equal(store.get('g', 't', 0)?.offset, 6n);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('the journal compacts itself while running once it is mostly superseded lines', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'committed-offsets.jsonl');
  try {
    const { logger } = memoryLogger();
    let store = await OffsetStore.open(dir, logger, { compactMinBytes: 4096 });
    let maxSize = 0;
    for (let i = 0; i < 400; i++) {
      await store.commit('g', [{ topic: 't', partition: i % 3, offset: BigInt(i), metadata: 'x'.repeat(20) }]);
      maxSize = Math.max(maxSize, fs.statSync(file).size);
    }
    const lineBytes = fs.readFileSync(file, 'utf8').split('\n')[0].length;
    assert.ok(maxSize < 4096 + 4 * lineBytes, `journal stayed small (${maxSize} bytes)`);
    assert.equal(store.get('g', 't', 0)?.offset, 399n);
    await store.close();
    store = await OffsetStore.open(dir, logger);
    assert.deepEqual([0, 1, 2].map((p) => store.get('g', 't', p)?.offset), [399n, 397n, 398n]);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('commits after close are refused', async () => {
  const dir = tempDir();
  try {
    const { store } = await open(dir);
    await store.close();
    await assert.rejects(store.commit('g', [{ topic: 't', partition: 0, offset: 1n, metadata: null }]), { message: 'offset store is closed' });
  } finally {
    removeDir(dir);
  }
});

test('deletePartitions (OffsetDelete) is durable, and the journal replays it after a kill', async () => {
  const dir = tempDir();
  try {
    let { store } = await open(dir);
    await store.commit('g', [
      { topic: 't', partition: 0, offset: 5n, metadata: null },
      { topic: 't', partition: 1, offset: 6n, metadata: null },
    ]);
    await store.commit('h', [{ topic: 't', partition: 0, offset: 7n, metadata: null }]);
    await store.deletePartitions('g', [{ topic: 't', partition: 0 }, { topic: 't', partition: 9 }]);
    assert.equal(store.get('g', 't', 0), undefined);
    assert.equal(store.get('g', 't', 1)?.offset, 6n);
    // Without close(): what the journal holds now is what a crash leaves behind.
    const journal = fs.readFileSync(path.join(dir, 'committed-offsets.jsonl'), 'utf8');
    assert.match(journal, /"dp":"g"/);
    ({ store } = await open(dir));
    assert.equal(store.get('g', 't', 0), undefined);
    assert.equal(store.get('g', 't', 1)?.offset, 6n);
    assert.equal(store.get('h', 't', 0)?.offset, 7n);
    await store.deletePartitions('g', [{ topic: 't', partition: 1 }]);
    assert.deepEqual(store.groups(), ['h']);
    await store.close();
  } finally {
    removeDir(dir);
  }
});
