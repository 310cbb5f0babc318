import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerLogger } from '../logger.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  Attr,
  BATCH_HEADER_SIZE,
  batchSizeAt,
  checkBatch,
  decodeRecordBatch,
  LOG_OVERHEAD,
  Off,
} from '../protocol/record-batch.js';
import type { FileCache } from './file-cache.js';
import { decompress } from './batch-codecs.js';
import { readAt, readFileIfExists, writeFileAtomic } from './fs-util.js';
import { INDEX_ENTRY_BYTES, MAX_RELATIVE_OFFSET, Segment, SEGMENT_FILE, SparseIndex } from './segment.js';
import { StorageError } from './storage-error.js';

const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);
const CHECKPOINT_FILE = 'log-start-offset';
/** Chunk size when walking batch headers (recovery, timestamp lookups). */
const SCAN_CHUNK = 64 * 1024;
/** Recovery reads whole batches to check CRCs; chunks of this size amortise the syscalls. */
const RECOVERY_CHUNK = 1024 * 1024;
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

/** Newest timestamp of the batch at `at`. Compares both header fields because kafkajs derives maxTimestamp by string sort. */
function batchMaxTimestamp(buf: Buffer, at: number): number {
  const base = buf.readBigInt64BE(at + Off.baseTimestamp);
  const max = buf.readBigInt64BE(at + Off.maxTimestamp);
  return Number(max > base ? max : base);
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

  /** Opens (or creates) the partition directory and recovers it: see recoverSegment. */
  static async open(
    dir: string,
    topic: string,
    partition: number,
    env: PartitionEnv,
  ): Promise<PartitionLog> {
    const log = new PartitionLog(topic, partition, dir, env);
    await fsp.mkdir(dir, { recursive: true });
    const names = await fsp.readdir(dir);
    if (names.length === 0) {
      // A new partition (the common case when a topic is created): nothing to recover.
      log.segments.push(await Segment.create(dir, 0n, env.files));
      return log;
    }
    const bases: bigint[] = [];
    for (const name of names) {
      const m = SEGMENT_FILE.exec(name);
      if (m) bases.push(BigInt(m[1]));
      else if (name.endsWith('.tmp')) await fsp.rm(join(dir, name), { force: true });
    }
    bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const baseSet = new Set(bases.map((b) => b.toString().padStart(20, '0')));
    for (const name of names) {
      // An index whose log is gone belongs to a segment deleted mid-way.
      const m = /^(\d{20})\.index$/.exec(name);
      if (m && !baseSet.has(m[1])) await fsp.rm(join(dir, name), { force: true });
    }

    const raw = await env.files.transient(() => readFileIfExists(join(dir, CHECKPOINT_FILE)));
    let checkpoint: bigint | null = null;
    if (raw) {
      const text = raw.toString('utf8').trim();
      if (/^\d+$/.test(text)) checkpoint = BigInt(text);
      else env.logger.warn({ topic, partition, text }, 'ignoring unreadable log start checkpoint');
    }

    for (let i = 0; i < bases.length; i++) {
      const seg = await log.recoverSegment(bases[i]);
      if (i < bases.length - 1) {
        if (seg.size === 0) {
          // Left by a crash right after a roll; the next segment carries on.
          await seg.delete();
          continue;
        }
        // Old segments reopen on demand, so a long log does not pin a descriptor per segment.
        await seg.release();
      }
      const prev = log.segments[log.segments.length - 1];
      if (prev && seg.base < prev.endOffset) {
        env.logger.warn(
          { topic, partition, segment: seg.base.toString(), previousEnd: prev.endOffset.toString() },
          'segment overlaps the previous one',
        );
      }
      log.segments.push(seg);
    }
    if (log.segments.length === 0) log.segments.push(await Segment.create(dir, checkpoint ?? 0n, env.files));

    log.next = log.active.endOffset;
    log.hw = log.next;
    const first = log.segments[0].base;
    log.logStart = checkpoint !== null && checkpoint > first ? checkpoint : first;
    if (log.logStart > log.next) {
      // The checkpoint is ahead of the data (a tail was lost after DeleteRecords): continue at
      // the checkpoint so no offset is ever handed out twice.
      env.logger.warn(
        { topic, partition, logStart: log.logStart.toString(), logEnd: log.next.toString() },
        'log start offset beyond log end; starting a fresh segment there',
      );
      const old = log.segments;
      await log.active.seal();
      log.segments = [await Segment.create(dir, log.logStart, env.files)];
      for (const s of old) await s.delete();
      log.next = log.logStart;
      log.hw = log.next;
    }
    await log.recoverRollClock();
    return log;
  }

  /**
   * Restores when the active segment got its first batch, so segment.ms keeps counting across a
   * restart. That moment is not stored; the first batch's timestamp stands in for it, capped by
   * the file's mtime (no write can predate the last one) so a producer clock far in the future
   * cannot postpone the roll. A first batch stamped long ago (replayed data) makes the segment
   * roll on the first append after the restart, once: the next segment's clock is the wall clock.
   */
  private async recoverRollClock(): Promise<void> {
    const seg = this.active;
    if (seg.size === 0) return;
    const [head, st] = await seg.withLog((fh) => Promise.all([readAt(fh, 0, BATCH_HEADER_SIZE), fh.stat()]));
    const firstTs = head.length === BATCH_HEADER_SIZE ? batchMaxTimestamp(head, 0) : -1;
    seg.firstAppendMs = firstTs >= 0 ? Math.min(firstTs, st.mtimeMs) : st.mtimeMs;
  }

  /**
   * Loads one segment and makes it trustworthy: keeps the index prefix that points at real
   * batches, rescans the log from the last good entry (checking length, CRC and offset
   * continuity of every batch), rebuilds entries for the scanned part and truncates whatever
   * follows the last good batch.
   */
  private async recoverSegment(base: bigint): Promise<Segment> {
    const { logger, files } = this.env;
    const seg = new Segment(this.dir, base, files);
    const indexFile = await files.transient(() => readFileIfExists(seg.indexPath));
    const rawIndex = indexFile ?? EMPTY;
    // The log stays pinned for the scan only; the index rewrite below takes its own slot.
    const { kept, loadedCount } = await seg.withLog(async (fh) => {
      const fileSize = (await fh.stat()).size;
      const loaded = SparseIndex.decode(rawIndex, fileSize);
      const loadedCount = loaded.count;
      let kept = loaded.count;
      for (;;) {
        loaded.truncate(kept);
        const startPos = kept > 0 ? loaded.positionAt(kept - 1) : 0;
        const startOffset = kept > 0 ? base + BigInt(loaded.relOffsetAt(kept - 1)) : base;
        const startTs = kept > 0 ? loaded.timestampAt(kept - 1) : -Infinity;
        seg.adoptRecovered(loaded, startPos, startOffset, startTs, kept);
        const result = await scanBatches(fh, startPos, fileSize, startOffset, (pos, size, off, delta, ts) =>
          seg.noteBatch(pos, size, off, delta, ts),
        );
        if (kept > 0 && result.end === startPos && startPos < fileSize) {
          // The entry itself does not point at a good batch: distrust it and start further back.
          kept--;
          continue;
        }
        if (result.end < fileSize) {
          logger.warn(
            {
              topic: this.topic,
              partition: this.partition,
              segment: seg.logPath,
              validBytes: result.end,
              fileBytes: fileSize,
              reason: result.reason,
            },
            'truncating torn or corrupt log tail',
          );
          await fh.truncate(result.end);
        }
        return { kept, loadedCount };
      }
    });
    const indexChanged = kept !== loadedCount || seg.index.count !== loadedCount;
    if (indexChanged || !indexFile || rawIndex.length !== loadedCount * INDEX_ENTRY_BYTES) await seg.rewriteIndex();
    return seg;
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
      const hit = await this.searchSegmentByTime(seg, ts, timestampMs);
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
    const hit = await this.searchSegmentByTime(best, best.maxTimestamp, BigInt(best.maxTimestamp));
    return hit;
  }

  /** Walks batch headers from the time index hint; decodes records only of the batch that matches. */
  private async searchSegmentByTime(
    seg: Segment,
    ts: number,
    target: bigint,
  ): Promise<{ offset: bigint; timestamp: bigint } | null> {
    const limit = seg.size;
    let p = seg.positionForTimestamp(ts);
    let chunk = EMPTY;
    let chunkStart = p;
    while (p < limit) {
      if (p + BATCH_HEADER_SIZE > chunkStart + chunk.length) {
        chunkStart = p;
        chunk = await seg.read(p, Math.min(limit - p, SCAN_CHUNK));
        if (chunk.length < BATCH_HEADER_SIZE) return null;
      }
      const o = p - chunkStart;
      const size = LOG_OVERHEAD + chunk.readInt32BE(o + Off.batchLength);
      const base = chunk.readBigInt64BE(o);
      const last = base + BigInt(chunk.readInt32BE(o + Off.lastOffsetDelta));
      if (batchMaxTimestamp(chunk, o) >= ts && last >= this.logStart) {
        const batch = o + size <= chunk.length ? chunk.subarray(o, o + size) : await seg.read(p, size);
        const hit = await this.firstRecordAtOrAfter(batch, target);
        if (hit) return hit;
      }
      p += size;
    }
    return null;
  }

  private async firstRecordAtOrAfter(batch: Buffer, target: bigint): Promise<{ offset: bigint; timestamp: bigint } | null> {
    const attributes = batch.readInt16BE(Off.attributes);
    const base = batch.readBigInt64BE(Off.baseOffset);
    const maxTs = batch.readBigInt64BE(Off.maxTimestamp);
    const floor = base > this.logStart ? base : this.logStart;
    // With LogAppendTime every record carries the batch's maxTimestamp.
    if (attributes & Attr.logAppendTime) return { offset: floor, timestamp: maxTs };
    let plain: Buffer = batch;
    const codec = attributes & Attr.compressionMask;
    try {
      if (codec !== 0) {
        const inflated = await decompress(codec, batch.subarray(BATCH_HEADER_SIZE));
        plain = Buffer.concat([batch.subarray(0, BATCH_HEADER_SIZE), inflated]);
        plain.writeInt32BE(plain.length - LOG_OVERHEAD, Off.batchLength);
        plain.writeInt16BE(attributes & ~Attr.compressionMask, Off.attributes);
      }
      for (const r of decodeRecordBatch(plain).records) {
        if (r.timestamp >= target && r.offset >= this.logStart) return { offset: r.offset, timestamp: r.timestamp };
      }
      return null;
    } catch (err) {
      this.env.logger.debug({ err }, 'could not decode batch for a timestamp lookup');
      return { offset: floor, timestamp: maxTs };
    }
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

type BatchVisitor = (pos: number, size: number, baseOffset: bigint, lastOffsetDelta: number, maxTs: number) => void;

/**
 * Walks whole batches from `from`, checking each one (length inside the file, magic, CRC,
 * offsets continuing from `expected`). Returns where the valid data ends and why it stopped.
 */
async function scanBatches(
  fh: FileHandle,
  from: number,
  fileSize: number,
  expected: bigint,
  visit: BatchVisitor,
): Promise<{ end: number; reason: string | null }> {
  let buf = EMPTY;
  let bufStart = from;
  let pos = from;
  let next = expected;
  while (pos < fileSize) {
    if (fileSize - pos < BATCH_HEADER_SIZE) return { end: pos, reason: 'partial batch header' };
    if (pos + LOG_OVERHEAD > bufStart + buf.length) {
      bufStart = pos;
      buf = await readAt(fh, pos, Math.min(RECOVERY_CHUNK, fileSize - pos));
    }
    let o = pos - bufStart;
    const size = LOG_OVERHEAD + buf.readInt32BE(o + Off.batchLength);
    if (size < BATCH_HEADER_SIZE) return { end: pos, reason: `bad batch length ${size}` };
    if (pos + size > fileSize) return { end: pos, reason: 'partial batch' };
    if (pos + size > bufStart + buf.length) {
      bufStart = pos;
      buf = await readAt(fh, pos, Math.max(size, Math.min(RECOVERY_CHUNK, fileSize - pos)));
      o = 0;
      if (buf.length < size) return { end: pos, reason: 'short read' };
    }
    const problem = checkBatch(buf, o, size);
    if (problem) return { end: pos, reason: problem };
    const base = buf.readBigInt64BE(o + Off.baseOffset);
    if (base !== next) return { end: pos, reason: `batch offset ${base}, expected ${next}` };
    const delta = buf.readInt32BE(o + Off.lastOffsetDelta);
    visit(pos, size, base, delta, batchMaxTimestamp(buf, o));
    next = base + BigInt(delta) + 1n;
    pos += size;
  }
  return { end: pos, reason: null };
}
