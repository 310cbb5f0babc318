/**
 * Coalesces concurrent single-message sends into one produce request per round trip.
 *
 * An idempotent kafkajs producer allows one request in flight, so sending each HTTP request's
 * message on its own caps the app at one message per broker round trip. While a request is in
 * flight, later messages wait here and leave together in the next request; each caller still gets
 * its own topic/partition/offset back. Large messages travel alone so that one oversized or
 * rejected message cannot fail a whole batch of others, and a batch stays well under the broker's
 * per-batch size limit.
 */
import { partitionKey } from '../broker/index.js';
export interface PendingMessage<M> {
  topic: string;
  message: M;
  /** Bytes of key + value + headers, to keep batches small. */
  size: number;
}

export interface PartitionResult {
  topicName: string;
  partition: number;
  baseOffset?: string;
}

export interface CoalescerOptions<M> {
  /** Sends every message in one request; resolves to one result per (topic, partition). */
  sendBatch(batch: { topic: string; messages: M[] }[]): Promise<PartitionResult[]>;
  /** The partition the producer's partitioner chose for a message during sendBatch. */
  partitionOf(message: M): number | undefined;
  maxBatchBytes?: number;
  /** Messages at least this big are sent on their own. */
  soloBytes?: number;
}

interface Waiting<M> extends PendingMessage<M> {
  resolve(r: { topic: string; partition: number; offset: string }): void;
  reject(err: unknown): void;
}

export class SendCoalescer<M extends object> {
  private readonly queue: Waiting<M>[] = [];
  private flushing = false;
  private readonly maxBatchBytes: number;
  private readonly soloBytes: number;

  constructor(private readonly opts: CoalescerOptions<M>) {
    this.maxBatchBytes = opts.maxBatchBytes ?? 256 * 1024;
    this.soloBytes = opts.soloBytes ?? 16 * 1024;
  }

  send(pending: PendingMessage<M>): Promise<{ topic: string; partition: number; offset: string }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...pending, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private takeBatch(): Waiting<M>[] {
    const first = this.queue.shift()!;
    const batch = [first];
    if (first.size >= this.soloBytes) return batch;
    let bytes = first.size;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (next.size >= this.soloBytes || bytes + next.size > this.maxBatchBytes) break;
      bytes += next.size;
      batch.push(this.queue.shift()!);
    }
    return batch;
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        const byTopic = new Map<string, M[]>();
        for (const w of batch) {
          const list = byTopic.get(w.topic);
          if (list) list.push(w.message);
          else byTopic.set(w.topic, [w.message]);
        }
        try {
          const results = await this.opts.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
          this.settle(batch, results);
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Within a partition, messages keep their order, so each offset is the base plus its rank. */
  private settle(batch: Waiting<M>[], results: PartitionResult[]): void {
    const base = new Map<string, bigint>();
    for (const r of results) if (r.baseOffset !== undefined) base.set(partitionKey(r.topicName, r.partition), BigInt(r.baseOffset));
    const rank = new Map<string, bigint>();
    for (const w of batch) {
      const partition = this.opts.partitionOf(w.message);
      const key = partition === undefined ? undefined : partitionKey(w.topic, partition);
      const start = key === undefined ? undefined : base.get(key);
      if (key === undefined || partition === undefined || start === undefined) {
        w.reject(new Error('the broker acknowledged the batch without an offset for this message'));
        continue;
      }
      const r = rank.get(key) ?? 0n;
      rank.set(key, r + 1n);
      w.resolve({ topic: w.topic, partition, offset: String(start + r) });
    }
  }
}
