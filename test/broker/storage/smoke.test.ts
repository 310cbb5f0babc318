import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batch, decodeAll, openManager, removeDir, tempDir } from './helpers.js';

test('append then read round trip', async () => {
  const dir = tempDir();
  try {
    const { mgr } = await openManager(dir);
    await mgr.createTopic('t', 2);
    const log = mgr.partition('t', 1)!;
    const a = await log.append(batch(3, 'a'));
    const b = await log.append(batch(2, 'b'));
    assert.equal(a.baseOffset, 0n);
    assert.equal(b.baseOffset, 3n);
    assert.equal(log.highWatermark, 5n);
    const got = decodeAll(await log.read(0n, 1 << 20));
    assert.deepEqual(got.baseOffsets, [0n, 3n]);
    assert.deepEqual(got.records.map((r) => r.value?.toString()), ['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
    await mgr.close();
  } finally {
    removeDir(dir);
  }
});
