/**
 * Reusable buffers for large request frames. A producer such as librdkafka sends ~1 MB Produce
 * requests back to back; giving each a fresh allocation costs more than copying the bytes into
 * it (new memory must be faulted in and later collected). Only frames the connection hands back
 * are reused, and it hands back only Produce frames whose response has been sent: the produce
 * path keeps no view into a request once its append is acknowledged, while other APIs may (group
 * metadata is stored as views), so their frames are simply left to the garbage collector.
 */
const MIN_POOLED = 256 * 1024;
const MAX_POOLED = 16 * 1024 * 1024;
const FREE_PER_SIZE = 4;

export class FramePool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly issued = new WeakSet<ArrayBuffer>();

  /** A buffer of exactly n bytes, pooled when n is in the pooled range. */
  acquire(n: number): Buffer {
    if (n < MIN_POOLED || n > MAX_POOLED) return Buffer.allocUnsafe(n);
    const capacity = 2 ** Math.ceil(Math.log2(n));
    const backing = this.free.get(capacity)?.pop() ?? new ArrayBuffer(capacity);
    this.issued.add(backing);
    return Buffer.from(backing, 0, n);
  }

  /** Returns a frame from acquire(); anything else is ignored. The caller must hold no view of it. */
  release(frame: Buffer): void {
    const backing = frame.buffer as ArrayBuffer;
    if (frame.byteOffset !== 0 || !this.issued.has(backing)) return;
    this.issued.delete(backing);
    let list = this.free.get(backing.byteLength);
    if (!list) this.free.set(backing.byteLength, (list = []));
    if (list.length < FREE_PER_SIZE) list.push(backing);
  }
}
