import { readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import { partitionKey, topicKeyPrefix } from '../protocol/topic-partition.js';

/** Kafka keeps the last five batches per producer and partition to recognise retries. */
const CACHED_BATCHES = 5;
const PID_BLOCK = 1000;

interface CachedBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: Promise<bigint>;
  maxTimestamp: bigint;
}
interface PartitionProducerState {
  epoch: number;
  batches: CachedBatch[];
}

export type SequenceCheck =
  | { kind: 'append'; record: (baseOffset: Promise<bigint>) => void }
  | { kind: 'duplicate'; baseOffset: Promise<bigint>; maxTimestamp: bigint }
  | { kind: 'reject'; errorCode: number };

/**
 * Idempotent-producer bookkeeping: hands out producer ids (unique across restarts) and checks
 * each batch's (producerId, epoch, sequence) so a retried batch is acknowledged with its original
 * offset instead of being written twice. State lives in memory; after a broker restart a producer's
 * first batch on a partition is accepted as it comes and tracking starts again from there.
 */
export class ProducerStateManager {
  private nextId = 0n;
  private reservedUpTo = 0n;
  private readonly state = new Map<string, PartitionProducerState>();

  private constructor(private readonly file: string) {}

  static async open(dataDir: string): Promise<ProducerStateManager> {
    const m = new ProducerStateManager(join(dataDir, 'producer-ids.json'));
    try {
      const saved = JSON.parse(await readFile(m.file, 'utf8')) as { reservedUpTo: string };
      m.nextId = BigInt(saved.reservedUpTo);
      m.reservedUpTo = m.nextId;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return m;
  }

  /** A fresh producer id with epoch 0. Ids are reserved in blocks so this rarely touches disk. */
  async allocate(): Promise<{ producerId: bigint; epoch: number }> {
    if (this.nextId >= this.reservedUpTo) {
      const reservedUpTo = this.nextId + BigInt(PID_BLOCK);
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, JSON.stringify({ reservedUpTo: reservedUpTo.toString() }));
      await rename(tmp, this.file);
      this.reservedUpTo = reservedUpTo;
    }
    const producerId = this.nextId++;
    return { producerId, epoch: 0 };
  }

  /**
   * Decides what to do with a batch. Must be called synchronously right before the append, so that
   * pipelined batches are checked in the order their offsets are assigned.
   */
  check(
    topic: string,
    partition: number,
    producerId: bigint,
    epoch: number,
    firstSeq: number,
    count: number,
    maxTimestamp = -1n,
  ): SequenceCheck {
    const key = `${partitionKey(topic, partition)}\u0000${producerId}`;
    const lastSeq = (firstSeq + count - 1) % 2 ** 31;
    const current = this.state.get(key);
    const record = (baseOffset: Promise<bigint>) => {
      let s = this.state.get(key);
      if (!s || s.epoch !== epoch) this.state.set(key, (s = { epoch, batches: [] }));
      s.batches.push({ firstSeq, lastSeq, baseOffset, maxTimestamp });
      if (s.batches.length > CACHED_BATCHES) s.batches.shift();
      // A failed write must not leave the expected sequence ahead of the log.
      baseOffset.catch(() => this.state.delete(key));
    };
    if (!current) return { kind: 'append', record };
    // Like Kafka, a bumped epoch must start again at sequence 0.
    if (epoch > current.epoch) return firstSeq === 0 ? { kind: 'append', record } : { kind: 'reject', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    if (epoch < current.epoch) return { kind: 'reject', errorCode: ErrorCode.INVALID_PRODUCER_EPOCH };
    const dup = current.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
    if (dup) return { kind: 'duplicate', baseOffset: dup.baseOffset, maxTimestamp: dup.maxTimestamp };
    const last = current.batches[current.batches.length - 1];
    const expected = (last.lastSeq + 1) % 2 ** 31;
    if (firstSeq !== expected) return { kind: 'reject', errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER };
    return { kind: 'append', record };
  }

  forgetTopic(topic: string): void {
    for (const key of this.state.keys()) if (key.startsWith(topicKeyPrefix(topic))) this.state.delete(key);
  }
}
