import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool } from '../../../src/broker/server/frame-pool.js';
import { FrameDecoder } from '../../../src/broker/server/frame-decoder.js';

describe('FramePool', () => {
  it('reuses the memory of a released large frame, with the requested length', () => {
    const pool = new FramePool();
    const a = pool.acquire(700_000);
    assert.equal(a.length, 700_000);
    pool.release(a);
    const b = pool.acquire(900_000);
    assert.equal(b.length, 900_000);
    assert.equal(b.buffer, a.buffer, 'same 1 MiB backing store');
  });

  it('never hands out a buffer twice without a release, and ignores foreign or small buffers', () => {
    const pool = new FramePool();
    const a = pool.acquire(300_000);
    const b = pool.acquire(300_000);
    assert.notEqual(a.buffer, b.buffer);
    pool.release(Buffer.alloc(300_000));
    pool.release(a.subarray(10));
    const small = pool.acquire(1000);
    pool.release(small);
    assert.notEqual(pool.acquire(300_000).buffer, a.buffer, 'a was never properly released');
    pool.release(a);
    pool.release(a); // a second release must not put it in the free list twice
    const c = pool.acquire(300_000);
    const d = pool.acquire(300_000);
    assert.equal(c.buffer, a.buffer);
    assert.notEqual(d.buffer, a.buffer);
  });

  it('serves the frame decoder for frames that span socket chunks', () => {
    const pool = new FramePool();
    const decoder = new FrameDecoder(1 << 24, { admit: () => true, allocate: (n) => pool.acquire(n) });
    const payload = Buffer.alloc(400_000, 5);
    const framed = Buffer.concat([Buffer.from([0, 6, 0x1a, 0x80]), payload]);
    const frames = [...decoder.push(framed.subarray(0, 65_536)), ...decoder.push(framed.subarray(65_536))];
    assert.equal(frames.length, 1);
    assert.ok(frames[0].equals(payload));
    pool.release(frames[0]);
    assert.equal(pool.acquire(400_000).buffer, frames[0].buffer);
  });
});
