import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FrameDecoder, FrameTooLargeError } from '../../../src/broker/server/frame-decoder.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

// Payloads are at least 10 bytes: the decoder rejects anything smaller than a request header.
const payloads = [randomBytes(10), randomBytes(37), randomBytes(1000), randomBytes(12)];
const stream = Buffer.concat(payloads.map(frame));

describe('FrameDecoder', () => {
  it('returns nothing until a frame is complete, then exactly that frame', () => {
    const d = new FrameDecoder(1 << 20);
    const f = frame(payloads[1]);
    assert.deepEqual(d.push(f.subarray(0, 2)), []);
    assert.deepEqual(d.push(f.subarray(2, 4)), []);
    assert.deepEqual(d.push(f.subarray(4, 20)), []);
    const out = d.push(f.subarray(20));
    assert.equal(out.length, 1);
    assert.deepEqual(out[0], payloads[1]);
  });

  it('splits several frames delivered in one chunk', () => {
    const d = new FrameDecoder(1 << 20);
    const out = d.push(stream);
    assert.deepEqual(out, payloads);
  });

  it('reassembles frames fed one byte at a time', () => {
    const d = new FrameDecoder(1 << 20);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    assert.deepEqual(out, payloads);
  });

  it('reassembles the stream for every two-way split point', () => {
    for (let cut = 0; cut <= stream.length; cut += 7) {
      const d = new FrameDecoder(1 << 20);
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      assert.deepEqual(out, payloads, `cut at ${cut}`);
    }
  });

  it('handles chunks that end mid-header and carry the next frame\'s start', () => {
    const d = new FrameDecoder(1 << 20);
    const a = frame(payloads[0]);
    const b = frame(payloads[3]);
    const joined = Buffer.concat([a, b]);
    // first chunk: frame a plus 3 bytes of b's size field
    const first = d.push(joined.subarray(0, a.length + 3));
    assert.deepEqual(first, [payloads[0]]);
    const second = d.push(joined.subarray(a.length + 3));
    assert.deepEqual(second, [payloads[3]]);
  });

  it('returns frames that stay intact after later chunks arrive', () => {
    const d = new FrameDecoder(1 << 20);
    const chunk = Buffer.from(stream);
    const out = d.push(chunk);
    const copy = out.map((b) => Buffer.from(b));
    d.push(frame(randomBytes(50)));
    assert.deepEqual(out, copy);
  });

  it('accepts sizes at both limits: 10 bytes and exactly maxFrameBytes', () => {
    const d = new FrameDecoder(64);
    const out = d.push(Buffer.concat([frame(Buffer.alloc(10, 1)), frame(Buffer.alloc(64, 2))]));
    assert.equal(out.length, 2);
    assert.equal(out[0].length, 10);
    assert.equal(out[1].length, 64);
  });

  it('throws on a size above the limit as soon as the size field is complete', () => {
    const d = new FrameDecoder(64);
    const header = Buffer.alloc(4);
    header.writeInt32BE(65);
    assert.deepEqual(d.push(header.subarray(0, 3)), []);
    assert.throws(() => d.push(header.subarray(3)), FrameTooLargeError);
  });

  it('throws on undersized and negative sizes', () => {
    for (const size of [9, 0, -1, -2147483648]) {
      const header = Buffer.alloc(4);
      header.writeInt32BE(size);
      assert.throws(() => new FrameDecoder(1 << 20).push(Buffer.concat([header, Buffer.alloc(20)])), FrameTooLargeError, `size ${size}`);
    }
  });

  it('throws on a bad size that follows a good frame in the same chunk', () => {
    const d = new FrameDecoder(100);
    const bad = Buffer.alloc(4);
    bad.writeInt32BE(1000);
    assert.throws(() => d.push(Buffer.concat([frame(Buffer.alloc(20)), bad])), FrameTooLargeError);
  });
});
