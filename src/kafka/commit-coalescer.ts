import type { OffsetToCommit } from './gateway/index.js';
import { partitionKey } from '../broker/index.js';

/**
 * Part of the consumer worker's commit policy (only the worker imports it). Joins offset commits
 * that are requested while another commit is in flight into the next OffsetCommit request,
 * keeping only the newest offset per partition (commits are cumulative). A commit is still
 * requested only after its message was stored ("store, then commit"), and each caller's promise
 * settles when a commit covering its offset is answered; but handlers need not wait for it, so
 * consuming is not limited to one message per commit round trip.
 */
interface Pending {
  offset: string;
  waiters: { resolve(): void; reject(err: unknown): void }[];
}

export class CommitCoalescer {
  private pending = new Map<string, OffsetToCommit & Pending>();
  private flushing = false;

  constructor(private readonly commitOffsets: (offsets: OffsetToCommit[]) => Promise<void>) {}

  commit(topic: string, partition: number, offset: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = partitionKey(topic, partition);
      const entry = this.pending.get(key);
      if (entry) {
        // Commits are cumulative: the newer offset also covers the earlier caller.
        if (BigInt(offset) > BigInt(entry.offset)) entry.offset = offset;
        entry.waiters.push({ resolve, reject });
      } else {
        this.pending.set(key, { topic, partition, offset, waiters: [{ resolve, reject }] });
      }
      if (!this.flushing) void this.flush();
    });
  }

  /** Resolves once every commit requested so far has been answered (used before leaving the group). */
  async idle(): Promise<void> {
    while (this.flushing || this.pending.size > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private idleWaiters: (() => void)[] = [];

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending.values()];
        this.pending = new Map();
        try {
          await this.commitOffsets(batch.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
          for (const e of batch) for (const w of e.waiters) w.resolve();
        } catch (err) {
          for (const e of batch) for (const w of e.waiters) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
