/**
 * Buffers for request frames that arrive in several socket chunks.
 *
 * Reuse: a producer such as librdkafka sends ~1 MB Produce requests back to back; giving each a
 * fresh allocation costs more than copying the bytes into it (new memory must be faulted in and
 * later collected). Only frames the connection hands back are reused, and it hands back only
 * Produce frames whose response has been sent: the produce path keeps no view into a request
 * once its append is acknowledged, while other APIs may (group metadata is stored as views), so
 * their frames are simply left to the garbage collector.
 *
 * Giving memory back: large frames live in resizable ArrayBuffers. Shrinking one to 0 returns its
 * pages to the OS at once, without waiting for a garbage collection that an idle broker may not
 * run for a long time. That is done for the frame of a connection that closed half-way through
 * a request, and for released frames the pool does not keep (it keeps at most MAX_RETAINED).
 */
// Below this, malloc-backed buffers are cheaper and the garbage collector returns them soon enough.
const MIN_RESIZABLE = 256 * 1024;
const MIN_POOLED = 256 * 1024;
const MAX_POOLED = 16 * 1024 * 1024;
const FREE_PER_SIZE = 4;
/** Free buffers kept for reuse, in bytes over all sizes. */
export const MAX_RETAINED = 32 * 1024 * 1024;

interface ResizableArrayBuffer extends ArrayBuffer {
  resize(n: number): void;
  readonly maxByteLength: number;
}
type ResizableCtor = new (n: number, opts: { maxByteLength: number }) => ResizableArrayBuffer;
const Resizable = ArrayBuffer as unknown as ResizableCtor;
const canResize = typeof (ArrayBuffer.prototype as Partial<ResizableArrayBuffer>).resize === 'function';

export class FramePool {
  private readonly free = new Map<number, ResizableArrayBuffer[]>();
  private readonly issued = new WeakSet<ArrayBuffer>();
  private retained = 0;

  /** A buffer of exactly n bytes; pooled sizes come from the free lists when possible. */
  acquire(n: number): Buffer {
    if (n < MIN_RESIZABLE || !canResize) return Buffer.allocUnsafe(n);
    const pooled = n >= MIN_POOLED && n <= MAX_POOLED;
    const capacity = pooled ? 2 ** Math.ceil(Math.log2(n)) : n;
    let backing = pooled ? this.free.get(capacity)?.pop() : undefined;
    if (backing) this.retained -= capacity;
    else backing = new Resizable(capacity, { maxByteLength: capacity });
    this.issued.add(backing);
    return Buffer.from(backing, 0, n);
  }

  /** Returns a frame from acquire() for reuse; anything else is ignored. The caller must hold no view of it. */
  release(frame: Buffer): void {
    const backing = this.own(frame);
    if (!backing) return;
    const capacity = backing.maxByteLength;
    const list = this.free.get(capacity) ?? [];
    if (capacity >= MIN_POOLED && capacity <= MAX_POOLED && list.length < FREE_PER_SIZE && this.retained + capacity <= MAX_RETAINED) {
      this.free.set(capacity, list);
      list.push(backing);
      this.retained += capacity;
    } else {
      backing.resize(0);
    }
  }

  /** Gives the memory of a frame from acquire() back to the OS now; its views read as empty afterwards. */
  discard(frame: Buffer): void {
    this.own(frame)?.resize(0);
  }

  /** Bytes held in the free lists. */
  get retainedBytes(): number {
    return this.retained;
  }

  private own(frame: Buffer): ResizableArrayBuffer | null {
    const backing = frame.buffer as ResizableArrayBuffer;
    if (frame.byteOffset !== 0 || !this.issued.has(backing)) return null;
    this.issued.delete(backing);
    return backing;
  }
}
