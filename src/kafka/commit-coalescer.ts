/**
 * Joins offset commits that are requested while another commit is in flight into the next
 * OffsetCommit request. Each caller still waits for a commit that covers its own offset, so
 * "store, then commit" keeps its meaning; what changes is that handlers working on different
 * partitions at the same time share one round trip instead of queueing for one each.
 */
export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: string;
}

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
      const key = `${topic}\u0000${partition}`;
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
    }
  }
}
