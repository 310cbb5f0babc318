import { join } from 'node:path';
import type { BrokerLogger } from '../logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { BATCH_HEADER_SIZE, batchSizeAt, checkBatch, LOG_OVERHEAD, Off } from '../protocol/record-batch.js';
import type { FileCache } from './file-cache.js';
import { writeFileAtomic } from './fs-util.js';
import { MAX_RELATIVE_OFFSET, Segment } from './segment.js';
import { CHECKPOINT_FILE, recoverPartition } from './recovery.js';
import { StorageError } from './storage-error.js';
import { batchMaxTimestamp, searchSegmentByTime } from './time-lookup.js';

const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);
/** Read-ahead that covers the gap between an index entry and the wanted batch (< 4 KiB) plus its header. */
const READ_SLACK = 4096 + BATCH_HEADER_SIZE;
/** writev takes at most IOV_MAX (1024) buffers per call on Linux; stay below it. */
const MAX_IOV = 512;
/** One append may not span more offsets than a segment's relative offsets can express. */
const MAX_APPEND_OFFSETS = 0x7fff_ffffn;
const MAX_APPEND_BYTES = 0x7fff_ffff;

export interface PartitionEnv {
  logger: BrokerLogger;
  /** The broker-wide bound on open segment files. */
  files: FileCache;
  /** Current segment.bytes for the topic (it can change while the log is open). */
  segmentBytes(): number;
  /** Current segment.ms for the topic: a non-empty active segment older than this rolls on the next append. */
  segmentMs(): number;
  /** Called after the high watermark moved. */
  onAppend(topic: string, partition: number): void;
}

export interface RetentionSettings {
  retentionMs: number;
  retentionBytes: number;
}

interface Pending {
  buf: Buffer;
  base: bigint;
  /** Offset after the last record of this append. */
  end: bigint;
  resolve(v: { baseOffset: bigint; logAppendTime: bigint }): void;
  reject(err: Error): void;
}

function storageFailure(what: string, err: unknown): StorageError {
  const msg = err instanceof Error ? err.message : String(err);
  return new StorageError(`${what}: ${msg}`, ErrorCode.KAFKA_STORAGE_ERROR);
}

/**
 * One partition's log: a list of segments, the last of which takes appends.
 *
 * Appends get offsets synchronously and are queued; a single drain loop writes everything queued
 * with one positional writev per segment, then advances the high watermark and wakes listeners.
 * Maintenance (retention, DeleteRecords, close) runs on the same serial chain as the drain, so it
 * never races a write.
 */
export class PartitionLog {
  private segments: Segment[] = [];
  private logStart = 0n;
  private hw = 0n;
  /** Next offset to hand out; ahead of the high watermark while writes are queued. */
  private next = 0n;
  private queue: Pending[] = [];
  private draining = false;
  private chain: Promise<unknown> = Promise.resolve();
  private closedWith: StorageError | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly dir: string,
    private readonly env: PartitionEnv,
  ) {}

  get logStartOffset(): bigint {
    return this.logStart;
  }

  get highWatermark(): bigint {
    return this.hw;
  }

  sizeInBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  /** Number of segments (for tests and diagnostics). */
  get segmentCount(): number {
    return this.segments.length;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  // ---------------------------------------------------------------- opening and recovery

  /** A new partition in `dir`, a directory the caller has just created (empty). */
  static async createNew(dir: string, topic: string, partition: number, env: PartitionEnv): Promise<PartitionLog> {
    const log = new PartitionLog(topic, partition, dir, env);
    log.segments.push(await Segment.create(dir, 0n, env.files));
    return log;
  }

  /** Opens (or creates) the partition directory and recovers it (recovery.ts). */
  static async open(dir: string, topic: string, partition: number, env: PartitionEnv): Promise<PartitionLog> {
    const log = new PartitionLog(topic, partition, dir, env);
    const recovered = await recoverPartition(dir, topic, partition, env);
    log.segments = recovered.segments;
    log.logStart = recovered.logStart;
    log.next = recovered.next;
    log.hw = recovered.next;
    return log;
  }

  // ---------------------------------------------------------------- append

  append(records: Buffer): Promise<{ baseOffset: bigint; logAppendTime: bigint }> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const n = records.length;
    if (n === 0) return Promise.reject(new StorageError('empty record set', ErrorCode.INVALID_RECORD));
    if (n > MAX_APPEND_BYTES) return Promise.reject(new StorageError('record set too large', ErrorCode.RECORD_LIST_TOO_LARGE));

    // Validate everything before touching anything, so a bad batch means nothing is written.
    let total = 0n;
    for (let at = 0; at < n; ) {
      const size = batchSizeAt(records, at);
      if (size < BATCH_HEADER_SIZE || at + size > n) {
        return Promise.reject(new StorageError(`truncated record batch at byte ${at}`, ErrorCode.INVALID_RECORD));
      }
      const problem = checkBatch(records, at, size);
      if (problem === 'bad-crc') {
        return Promise.reject(new StorageError(`record batch at byte ${at} fails its CRC`, ErrorCode.CORRUPT_MESSAGE));
      }
      if (problem) return Promise.reject(new StorageError(`invalid record batch (${problem})`, ErrorCode.INVALID_RECORD));
      const delta = records.readInt32BE(at + Off.lastOffsetDelta);
      const count = records.readInt32BE(at + Off.recordsCount);
      // Kafka's LogValidator insists the offset range matches the record count.
      if (count < 1 || delta !== count - 1) {
        return Promise.reject(
          new StorageError(`batch offset range (${delta + 1}) does not match its ${count} records`, ErrorCode.INVALID_RECORD),
        );
      }
      total += BigInt(count);
      at += size;
    }
    if (total > MAX_APPEND_OFFSETS) {
      return Promise.reject(new StorageError('too many records in one append', ErrorCode.RECORD_LIST_TOO_LARGE));
    }

    // Offsets are taken now, in call order; only baseOffset and the leader epoch (both outside
    // the CRC) are rewritten.
    const base = this.next;
    let offset = base;
    for (let at = 0; at < n; ) {
      const size = LOG_OVERHEAD + records.readInt32BE(at + Off.batchLength);
      records.writeBigInt64BE(offset, at + Off.baseOffset);
      records.writeInt32BE(0, at + Off.partitionLeaderEpoch);
      offset += BigInt(records.readInt32BE(at + Off.lastOffsetDelta)) + 1n;
      at += size;
    }
    this.next = offset;
    return new Promise((resolve, reject) => {
      this.queue.push({ buf: records, base, end: offset, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        void this.exclusive(() => this.drain());
      }
    });
  }

  /** Runs `fn` after everything already on the chain (writes, maintenance). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Writes everything queued at this moment, then yields the chain (so retention or
   * DeleteRecords can run under sustained load) and comes back for what arrived meanwhile.
   */
  private async drain(): Promise<void> {
    try {
      const items = this.queue;
      this.queue = [];
      if (items.length > 0) await this.writeItems(items);
    } finally {
      this.draining = false;
      if (this.queue.length > 0) {
        this.draining = true;
        void this.exclusive(() => this.drain());
      }
    }
  }

  private mustRoll(seg: Segment, sizeSoFar: number, item: Pending, segmentBytes: number): boolean {
    if (sizeSoFar === 0) return false;
    return sizeSoFar + item.buf.length > segmentBytes || item.end - 1n - seg.base > MAX_RELATIVE_OFFSET;
  }

  /**
   * segment.ms, measured on the broker's clock from the segment's first append rather than from
   * producer timestamps as Kafka does: replayed data stamped long ago would otherwise roll a new
   * segment on every append. Checked only when appending, as in Kafka, so an idle partition keeps
   * its active segment (which retention never deletes) until something new arrives.
   */
  private tooOld(seg: Segment, now: number): boolean {
    return seg.size > 0 && seg.firstAppendMs !== null && now - seg.firstAppendMs > this.env.segmentMs();
  }

  private async writeItems(items: Pending[]): Promise<void> {
    let i = 0;
    while (i < items.length) {
      let seg = this.active;
      const segmentBytes = this.env.segmentBytes();
      let j = i;
      try {
        if (this.mustRoll(seg, seg.size, items[i], segmentBytes) || this.tooOld(seg, Date.now())) {
          seg = await this.roll(items[i].base);
        }
        const bufs: Buffer[] = [];
        let bytes = seg.size;
        do {
          bufs.push(items[j].buf);
          bytes += items[j].buf.length;
          j++;
        } while (j < items.length && bufs.length < MAX_IOV && !this.mustRoll(seg, bytes, items[j], segmentBytes));
        await seg.write(bufs, seg.size);
      } catch (err) {
        await this.failPending(items.slice(i), err);
        return;
      }
      this.commit(seg, items, i, j);
      i = j;
      try {
        await seg.flushIndex();
      } catch (err) {
        // The log itself is fine; recovery rebuilds missing index entries.
        this.env.logger.warn({ err, topic: this.topic, partition: this.partition }, 'index write failed');
      }
    }
  }

  /** The bytes of items[i, j) are on file: record them, move the high watermark, tell everyone. */
  private commit(seg: Segment, items: Pending[], i: number, j: number): void {
    let pos = seg.size;
    if (pos === 0) seg.firstAppendMs = Date.now();
    for (let k = i; k < j; k++) {
      const b = items[k].buf;
      for (let at = 0; at < b.length; ) {
        const size = LOG_OVERHEAD + b.readInt32BE(at + Off.batchLength);
        seg.noteBatch(
          pos + at,
          size,
          b.readBigInt64BE(at + Off.baseOffset),
          b.readInt32BE(at + Off.lastOffsetDelta),
          batchMaxTimestamp(b, at),
        );
        at += size;
      }
      pos += b.length;
    }
    this.hw = items[j - 1].end;
    for (let k = i; k < j; k++) items[k].resolve({ baseOffset: items[k].base, logAppendTime: -1n });
    try {
      this.env.onAppend(this.topic, this.partition);
    } catch (err) {
      this.env.logger.error({ err }, 'append listener failed');
    }
  }

  /**
   * A write failed. Offsets already handed to later appends would leave a gap, so every append
   * not yet written fails too and offsets restart at the high watermark.
   */
  private async failPending(failed: Pending[], err: unknown): Promise<void> {
    const error = storageFailure(`write to ${this.topic}-${this.partition} failed`, err);
    this.env.logger.error({ err, topic: this.topic, partition: this.partition }, 'log write failed');
    const all = failed.concat(this.queue);
    this.queue = [];
    this.next = this.hw;
    for (const p of all) p.reject(error);
    try {
      await this.active.truncateToSize();
    } catch (truncErr) {
      this.env.logger.warn({ err: truncErr }, 'could not truncate after failed write');
    }
  }

  private async roll(base: bigint): Promise<Segment> {
    const old = this.active;
    await old.seal();
    const seg = await Segment.create(this.dir, base, this.env.files);
    this.segments.push(seg);
    return seg;
  }

  // ---------------------------------------------------------------- reads

  /** Index of the segment holding `offset` (the first one if it precedes them all). */
  private segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].base <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private segmentAfter(seg: Segment): Segment | undefined {
    return this.segments.find((s) => s.base > seg.base);
  }

  async read(fetchOffset: bigint, maxBytes: number): Promise<Buffer<ArrayBuffer>> {
    // A closed log (topic deleted, broker stopping) reads as empty instead of failing a Fetch.
    if (fetchOffset >= this.hw || this.closedWith) return EMPTY;
    const want = Math.max(0, Math.floor(maxBytes));
    let seg: Segment | undefined = this.segments[this.segmentIndexFor(fetchOffset)];
    while (seg) {
      if (seg.size > 0 && seg.endOffset > fetchOffset) {
        const out = await this.readFromSegment(seg, fetchOffset, want);
        if (out) return out;
      }
      seg = this.segmentAfter(seg);
    }
    return EMPTY;
  }

  /**
   * Usually a single read: from the index entry at or below `target`, enough bytes to reach the
   * wanted batch (under 4 KiB away) plus `want`. Then whole batches are cut from that buffer. A
   * second read happens only when the first batch alone is larger than what was read.
   */
  private async readFromSegment(seg: Segment, target: bigint, want: number): Promise<Buffer<ArrayBuffer> | null> {
    const limit = seg.size;
    let p = seg.positionFor(target);
    let chunkStart = p;
    let chunk = await seg.read(p, Math.min(limit - p, READ_SLACK + want));
    let firstSize = 0;
    for (;;) {
      if (p >= limit) return null;
      if (p + BATCH_HEADER_SIZE > chunkStart + chunk.length) {
        chunkStart = p;
        chunk = await seg.read(p, Math.min(limit - p, READ_SLACK + want));
        if (chunk.length < BATCH_HEADER_SIZE) throw storageFailure('read', new Error(`short read in ${seg.logPath}`));
      }
      const o = p - chunkStart;
      const size = LOG_OVERHEAD + chunk.readInt32BE(o + Off.batchLength);
      const last = chunk.readBigInt64BE(o) + BigInt(chunk.readInt32BE(o + Off.lastOffsetDelta));
      if (last >= target) {
        firstSize = size;
        break;
      }
      p += size;
    }
    const chunkEnd = chunkStart + chunk.length;
    let end = p + firstSize;
    while (end + LOG_OVERHEAD <= chunkEnd && end < limit) {
      const size = LOG_OVERHEAD + chunk.readInt32BE(end - chunkStart + Off.batchLength);
      if (end + size - p > want || end + size > chunkEnd) break;
      end += size;
    }
    if (end > chunkEnd) return seg.read(p, firstSize);
    return chunk.subarray(p - chunkStart, end - chunkStart);
  }

  async offsetForTimestamp(timestampMs: bigint): Promise<{ offset: bigint; timestamp: bigint } | null> {
    if (this.closedWith) return null;
    const ts = Number(timestampMs);
    for (const seg of this.segments.slice()) {
      if (seg.size === 0 || seg.maxTimestamp < ts || seg.endOffset <= this.logStart) continue;
      const hit = await searchSegmentByTime(seg, ts, timestampMs, this.logStart, this.env.logger);
      if (hit) return hit;
    }
    return null;
  }

  /**
   * ListOffsets' MAX_TIMESTAMP (-3, KIP-734): the first record carrying the log's largest
   * timestamp, found as Kafka does: the segment with the largest timestamp, then the first batch
   * and record in it that reach it.
   */
  async offsetForMaxTimestamp(): Promise<{ offset: bigint; timestamp: bigint } | null> {
    if (this.closedWith) return null;
    let best: Segment | undefined;
    for (const seg of this.segments) {
      if (seg.size === 0 || seg.endOffset <= this.logStart) continue;
      if (!best || seg.maxTimestamp > best.maxTimestamp) best = seg;
    }
    if (!best || !Number.isFinite(best.maxTimestamp)) return null;
    const hit = await searchSegmentByTime(best, best.maxTimestamp, BigInt(best.maxTimestamp), this.logStart, this.env.logger);
    return hit;
  }

  // ---------------------------------------------------------------- log start, retention

  async deleteRecordsBefore(offset: bigint): Promise<bigint> {
    if (this.closedWith) throw this.closedWith;
    const target = offset === -1n ? this.hw : offset;
    if (target < 0n || target > this.hw) {
      throw new StorageError(
        `offset ${offset} is outside [0, ${this.hw}]`,
        ErrorCode.OFFSET_OUT_OF_RANGE,
      );
    }
    return this.exclusive(async () => {
      if (target > this.logStart) {
        this.logStart = target;
        await this.writeCheckpoint();
      }
      await this.dropSegmentsBelowLogStart();
      return this.logStart;
    });
  }

  private async writeCheckpoint(): Promise<void> {
    await this.env.files.transient(() => writeFileAtomic(join(this.dir, CHECKPOINT_FILE), `${this.logStart}\n`));
  }

  /** Deletes segments whose every offset is below the log start. */
  private async dropSegmentsBelowLogStart(): Promise<void> {
    let n = 0;
    while (n < this.segments.length - 1 && this.segments[n].endOffset <= this.logStart) n++;
    const last = this.active;
    const allGone =
      n === this.segments.length - 1 &&
      last.size > 0 &&
      last.endOffset <= this.logStart &&
      this.queue.length === 0 &&
      this.next === this.hw;
    if (allGone) {
      // Everything is below the log start: start an empty segment so the old one can go too.
      await this.roll(this.next);
      n++;
    }
    await this.removeOldest(n);
  }

  private async removeOldest(n: number): Promise<void> {
    if (n <= 0) return;
    const doomed = this.segments.slice(0, n);
    this.segments = this.segments.slice(n);
    for (const s of doomed) {
      this.env.logger.info(
        { topic: this.topic, partition: this.partition, segment: s.base.toString(), bytes: s.size },
        'deleting log segment',
      );
      await s.delete();
    }
  }

  /**
   * Time retention drops old segments whose newest batch is older than retention.ms; size
   * retention drops the oldest while the rest still holds retention.bytes. The active segment
   * always stays.
   */
  async enforceRetention(settings: RetentionSettings, now: number): Promise<void> {
    if (this.closedWith) return;
    await this.exclusive(async () => {
      if (this.closedWith) return;
      let n = 0;
      const candidates = this.segments.length - 1;
      if (settings.retentionMs >= 0) {
        while (n < candidates && now - this.segments[n].maxTimestamp > settings.retentionMs) n++;
      }
      if (settings.retentionBytes > 0) {
        let total = 0;
        for (let k = n; k < this.segments.length; k++) total += this.segments[k].size;
        while (n < candidates && total - this.segments[n].size >= settings.retentionBytes) {
          total -= this.segments[n].size;
          n++;
        }
      }
      if (n === 0) return;
      const newStart = this.segments[n].base;
      if (newStart > this.logStart) {
        this.logStart = newStart;
        await this.writeCheckpoint();
      }
      await this.removeOldest(n);
    });
  }

  // ---------------------------------------------------------------- shutdown

  /** Lets queued writes finish, then closes files. Later appends fail with `reason`. */
  close(reason?: StorageError): Promise<void> {
    this.closedWith ??= reason ?? new StorageError('the log is closed', ErrorCode.NOT_LEADER_OR_FOLLOWER);
    this.closing ??= this.exclusive(async () => {
      const results = await Promise.allSettled(this.segments.map((s) => s.close()));
      for (const r of results) {
        if (r.status === 'rejected') this.env.logger.warn({ err: r.reason }, 'closing a segment failed');
      }
    });
    return this.closing;
  }
}
