/**
 * The budget for request bytes held by the broker over all connections (Kafka's
 * queued.max.request.bytes) and per connection. A frame reserves its whole size when its size
 * prefix arrives, before its payload is read, and releases it once handled (or when its
 * connection closes). A connection whose next frame does not fit stops being read (TCP pushes
 * back on the client) and is resumed, first come first served among those that fit, as memory
 * is released. Nothing is refused or closed: a slow request only waits.
 *
 * Large frames may not take the last eighth of the budget: it stays for small requests
 * (metadata, fetches, heartbeats, small produces), so clients holding huge half-sent requests
 * cannot starve everyone else. With nothing reserved at all any frame is admitted (frames are at
 * most maxRequestBytes), and a connection holding nothing is never stopped by its own share, so
 * no setting can deadlock.
 */
export interface MemoryOwner {
  /** Bytes this owner has reserved; maintained by RequestMemory. */
  reserved: number;
}

interface Waiter {
  owner: MemoryOwner;
  n: number;
  grant: () => void;
}

/** Frames up to this size count as small and may use the whole budget. */
export const SMALL_FRAME_BYTES = 64 * 1024;

export class RequestMemory {
  private total = 0;
  private readonly waiters: Waiter[] = [];
  private readonly largeLimit: number;

  constructor(
    readonly limit: number,
    readonly perConnection: number,
  ) {
    this.largeLimit = limit - Math.floor(limit / 8);
  }

  /** Bytes reserved over all owners. */
  get reserved(): number {
    return this.total;
  }

  /** Owners waiting for memory. */
  get waiting(): number {
    return this.waiters.length;
  }

  tryReserve(owner: MemoryOwner, n: number): boolean {
    if (!this.fits(owner, n)) return false;
    this.take(owner, n);
    return true;
  }

  /** Calls `grant` (asynchronously) once `n` bytes have been reserved for `owner`. */
  wait(owner: MemoryOwner, n: number, grant: () => void): void {
    this.waiters.push({ owner, n, grant });
  }

  release(owner: MemoryOwner, n: number): void {
    if (n <= 0) return;
    owner.reserved -= n;
    this.total -= n;
    this.pump();
  }

  /** Forgets the owner's waits (its connection closed). */
  cancel(owner: MemoryOwner): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i].owner === owner) this.waiters.splice(i, 1);
  }

  private fits(owner: MemoryOwner, n: number): boolean {
    if (owner.reserved > 0 && owner.reserved + n > this.perConnection) return false;
    if (this.total === 0) return true;
    return this.total + n <= (n <= SMALL_FRAME_BYTES ? this.limit : this.largeLimit);
  }

  private take(owner: MemoryOwner, n: number): void {
    owner.reserved += n;
    this.total += n;
  }

  private pump(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (!this.fits(w.owner, w.n)) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      this.take(w.owner, w.n);
      // Not synchronously: release() is called from inside other connections' request handling.
      queueMicrotask(w.grant);
    }
  }
}
