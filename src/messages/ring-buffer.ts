/**
 * Fixed-capacity buffer that overwrites its oldest entry when full. Insertion is O(1): a slot
 * array plus a write cursor, no shifting or splicing.
 */
export class RingBuffer<T> {
  private readonly slots: Array<T | undefined>;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Returns the entry that was pushed out, if the buffer was full. */
  push(item: T): T | undefined {
    const evicted = this.count === this.capacity ? this.slots[this.next] : undefined;
    this.slots[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    return evicted;
  }

  /** Copy of the contents, newest first. O(size). */
  newestFirst(limit = this.count): T[] {
    const n = Math.min(limit, this.count);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.slots[(this.next - 1 - i + this.capacity * 2) % this.capacity] as T;
    }
    return out;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
