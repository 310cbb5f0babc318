import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder } from '../../../src/broker/server/frame-decoder.js';
import { FramePool, MAX_RETAINED } from '../../../src/broker/server/frame-pool.js';
import { RequestMemory, SMALL_FRAME_BYTES, type MemoryOwner } from '../../../src/broker/server/request-memory.js';

const owner = (): MemoryOwner => ({ reserved: 0 });
const tick = () => new Promise((r) => setImmediate(r));

describe('RequestMemory', () => {
  it('large frames stop at 7/8 of the budget, small ones may use the rest, and waiters are granted as memory is released', async () => {
    const m = new RequestMemory(800, 10_000);
    const [a, b, c, d] = [owner(), owner(), owner(), owner()];
    // "Large" is above SMALL_FRAME_BYTES; scale the budget so the rule is visible.
    const big = new RequestMemory(8 * SMALL_FRAME_BYTES * 4, Number.MAX_SAFE_INTEGER);
    const L = 2 * SMALL_FRAME_BYTES;
    const hog = owner();
    let admitted = 0;
    while (big.tryReserve(hog, L)) admitted++;
    assert.equal(admitted, 14, '14 x 2/32 = 7/8 of the budget');
    assert.equal(big.tryReserve(owner(), SMALL_FRAME_BYTES), true, 'a small frame still fits');
    assert.equal(m.tryReserve(a, 500), true);
    assert.equal(m.tryReserve(b, 400), false);
    let granted = 0;
    m.wait(b, 400, () => granted++);
    m.wait(c, 200, () => granted++);
    await tick();
    assert.equal(granted, 0);
    m.release(a, 500);
    await tick();
    assert.equal(granted, 2);
    assert.equal(m.reserved, 600);
    assert.deepEqual([a.reserved, b.reserved, c.reserved, d.reserved], [0, 400, 200, 0]);
    m.cancel(d);
  });

  it('a connection is held to its share, but one frame always fits when it holds nothing', () => {
    const m = new RequestMemory(1000, 100);
    const a = owner();
    assert.equal(m.tryReserve(a, 60), true);
    assert.equal(m.tryReserve(a, 60), false, 'over the per-connection share');
    m.release(a, 60);
    assert.equal(m.tryReserve(a, 150), true, 'a single frame above the share still goes when nothing is held');
    const empty = new RequestMemory(10, 10);
    assert.equal(empty.tryReserve(owner(), 50), true, 'an empty budget admits any frame: no deadlock');
  });
});

describe('FrameDecoder with a memory budget', () => {
  it('stops before a frame that is not admitted, continues when granted, fills one buffer, and hands it back on discard', () => {
    let allow = false;
    const allocated: number[] = [];
    const d = new FrameDecoder(1 << 20, { admit: () => allow, allocate: (n) => (allocated.push(n), Buffer.alloc(n)) });
    const payload = Buffer.alloc(100_000, 3);
    const framed = Buffer.concat([Buffer.from([0, 1, 0x86, 0xa0]), payload]);
    assert.deepEqual(d.push(framed.subarray(0, 1000)), []);
    assert.equal(d.waitingFor, 100_000);
    assert.equal(d.heldBytes, 996, 'only what arrived is held');
    allow = true;
    assert.deepEqual(d.granted(), []);
    assert.equal(d.waitingFor, 0);
    assert.equal(d.admittedPartial, 100_000);
    assert.deepEqual(allocated, [100_000], 'one buffer for the whole frame');
    assert.deepEqual(d.push(framed.subarray(1000, 50_000)), []);
    assert.equal(d.heldBytes, 49_996);
    const partial = d.discard();
    assert.equal(partial?.length, 100_000);
    assert.equal(d.heldBytes, 0);
    assert.equal(d.admittedPartial, 0);
  });
});

describe('FramePool gives memory back', () => {
  it('discard empties a large frame at once; released frames beyond the retained cap are not kept', () => {
    const pool = new FramePool();
    const f = pool.acquire(20 * 1024 * 1024);
    f.fill(1);
    pool.discard(f);
    assert.equal(f.length, 0, 'its pages were returned (the view is now empty)');
    const frames = Array.from({ length: 12 }, () => pool.acquire(4 * 1024 * 1024));
    for (const x of frames) pool.release(x);
    assert.ok(pool.retainedBytes <= MAX_RETAINED, `retained ${pool.retainedBytes}`);
    assert.ok(pool.retainedBytes > 0);
  });
});
