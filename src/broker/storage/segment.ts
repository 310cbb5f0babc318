import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readAt, writevAt } from './fs-util.js';
import type { CachedFile, FileCache } from './file-cache.js';

/** An index entry is written for a batch once this many log bytes have passed since the previous one. */
export const INDEX_INTERVAL_BYTES = 4096;
/** On disk: uint32 offset relative to the segment base, uint32 file position, int64 running max timestamp. */
export const INDEX_ENTRY_BYTES = 16;
/** Relative offsets are stored as uint32, so a segment rolls before its offsets would overflow. */
export const MAX_RELATIVE_OFFSET = 0xffff_ffffn;
/** Index writes are batched; recovery rescans at most this many entries' worth of log. */
const INDEX_FLUSH_ENTRIES = 16;

const INT64_MAX = 0x7fff_ffff_ffff_ffffn;
const INT64_MIN = -0x8000_0000_0000_0000n;

/** Timestamps are kept as doubles in memory; out-of-range producer values are clamped on the way out. */
function toInt64(v: number): bigint {
  if (!Number.isFinite(v)) return v > 0 ? INT64_MAX : INT64_MIN;
  const b = BigInt(Math.trunc(v));
  return b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
}

export function segmentName(base: bigint): string {
  return base.toString().padStart(20, '0');
}

export const SEGMENT_FILE = /^(\d{20})\.log$/;

/**
 * Sparse index of one segment, held in typed arrays (16 bytes per ~4 KiB of log). Each entry
 * names a batch: its base offset (relative), its file position, and the largest timestamp of all
 * batches from the segment start up to and including it. That running maximum never decreases,
 * so the same entries serve both offset and timestamp lookups by binary search.
 */
export class SparseIndex {
  private rel = new Uint32Array(16);
  private pos = new Uint32Array(16);
  private ts = new Float64Array(16);
  count = 0;

  add(relOffset: number, position: number, maxTs: number): void {
    if (this.count === this.rel.length) this.grow(this.count * 2);
    this.rel[this.count] = relOffset;
    this.pos[this.count] = position;
    this.ts[this.count] = maxTs;
    this.count++;
  }

  private grow(capacity: number): void {
    const rel = new Uint32Array(capacity);
    rel.set(this.rel.subarray(0, this.count));
    const pos = new Uint32Array(capacity);
    pos.set(this.pos.subarray(0, this.count));
    const ts = new Float64Array(capacity);
    ts.set(this.ts.subarray(0, this.count));
    this.rel = rel;
    this.pos = pos;
    this.ts = ts;
  }

  relOffsetAt(i: number): number {
    return this.rel[i];
  }
  positionAt(i: number): number {
    return this.pos[i];
  }
  timestampAt(i: number): number {
    return this.ts[i];
  }

  truncate(n: number): void {
    if (n < this.count) this.count = n;
  }

  /** Index of the last entry whose relative offset is <= relOffset, or -1. */
  floorOffset(relOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rel[mid] <= relOffset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Index of the last entry whose running max timestamp is < ts, or -1. */
  lastBeforeTimestamp(ts: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid] < ts) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  encode(from: number, to: number): Buffer {
    const out = Buffer.allocUnsafe((to - from) * INDEX_ENTRY_BYTES);
    for (let i = from; i < to; i++) {
      const at = (i - from) * INDEX_ENTRY_BYTES;
      out.writeUInt32BE(this.rel[i], at);
      out.writeUInt32BE(this.pos[i], at + 4);
      out.writeBigInt64BE(toInt64(this.ts[i]), at + 8);
    }
    return out;
  }

  /**
   * Loads entries from disk, keeping only the prefix that is well formed: complete entries,
   * strictly increasing offsets and positions, inside the log file. Anything after the first
   * violation is dropped (recovery rescans that part of the log).
   */
  static decode(buf: Buffer, logSize: number): SparseIndex {
    const idx = new SparseIndex();
    const n = Math.floor(buf.length / INDEX_ENTRY_BYTES);
    if (n > 0) idx.grow(n);
    let prevRel = -1;
    let prevPos = 0;
    let prevTs = -Infinity;
    for (let i = 0; i < n; i++) {
      const at = i * INDEX_ENTRY_BYTES;
      const rel = buf.readUInt32BE(at);
      const pos = buf.readUInt32BE(at + 4);
      const ts = Number(buf.readBigInt64BE(at + 8));
      if (rel <= prevRel || pos <= prevPos || pos >= logSize || ts < prevTs) break;
      idx.add(rel, pos, ts);
      prevRel = rel;
      prevPos = pos;
      prevTs = ts;
    }
    return idx;
  }
}

/**
 * One log segment: `<base>.log` holding whole batches back to back, and `<base>.index`.
 * `size`, `endOffset` and `maxTimestamp` describe only bytes whose write has completed, so
 * readers bounded by them never see a batch that is still being written. Both files are opened
 * through the broker's FileCache, only while used, so an idle segment holds no descriptor.
 */
export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  /** Bytes of complete, written batches. */
  size = 0;
  /** Offset after the last batch (== base while empty). */
  endOffset: bigint;
  /** Largest batch timestamp in the segment; -Infinity while empty. */
  maxTimestamp = -Infinity;
  /**
   * Wall-clock ms at which the segment received its first batch; segment.ms counts from here.
   * Null while empty. Only tracked for the segment taking appends (others never roll).
   */
  firstAppendMs: number | null = null;
  index = new SparseIndex();
  /** Position of the last index entry; the segment start counts as an implicit entry. */
  private lastIndexedPos = 0;
  private persistedEntries = 0;
  private readonly log: CachedFile;
  private readonly idx: CachedFile;
  private deleted = false;

  constructor(
    dir: string,
    readonly base: bigint,
    private readonly files: FileCache,
  ) {
    this.logPath = join(dir, `${segmentName(base)}.log`);
    this.indexPath = join(dir, `${segmentName(base)}.index`);
    this.endOffset = base;
    this.log = files.file(this.logPath);
    this.idx = files.file(this.indexPath, { createIfMissing: true });
  }

  /**
   * A new, empty segment: both files are created empty (replacing leftovers with the same name)
   * and closed again at once, so creating thousands of partitions holds no descriptors; they
   * open on the first append or read.
   */
  static async create(dir: string, base: bigint, files: FileCache): Promise<Segment> {
    const seg = new Segment(dir, base, files);
    for (const path of [seg.logPath, seg.indexPath]) {
      await files.transient(async () => {
        const fh = await fsp.open(path, 'w');
        await fh.close();
      });
    }
    return seg;
  }

  /** Called once recovery has established the segment's state; `index` is what is on disk. */
  adoptRecovered(index: SparseIndex, size: number, endOffset: bigint, maxTimestamp: number, persisted: number): void {
    this.index = index;
    this.size = size;
    this.endOffset = endOffset;
    this.maxTimestamp = maxTimestamp;
    this.persistedEntries = persisted;
    this.lastIndexedPos = index.count > 0 ? index.positionAt(index.count - 1) : 0;
  }

  /** Runs `fn` with the log file open (recovery, tail checks). */
  withLog<T>(fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    return this.log.use(fn);
  }

  /** Reads up to `length` bytes at `position`; a read running when the segment is deleted still completes. */
  read(position: number, length: number): Promise<Buffer<ArrayBuffer>> {
    return this.log.use((fh) => readAt(fh, position, length));
  }

  write(bufs: Buffer[], position: number): Promise<void> {
    return this.log.use((fh) => writevAt(fh, bufs, position));
  }

  /** Bookkeeping after a batch at `position` has been written. */
  noteBatch(position: number, size: number, baseOffset: bigint, lastOffsetDelta: number, maxTs: number): void {
    if (maxTs > this.maxTimestamp) this.maxTimestamp = maxTs;
    if (position - this.lastIndexedPos >= INDEX_INTERVAL_BYTES) {
      this.index.add(Number(baseOffset - this.base), position, this.maxTimestamp);
      this.lastIndexedPos = position;
    }
    this.size = position + size;
    this.endOffset = baseOffset + BigInt(lastOffsetDelta) + 1n;
  }

  /** Start position for a scan looking for `offset`: the closest index entry at or below it. */
  positionFor(offset: bigint): number {
    if (offset <= this.base) return 0;
    const rel = offset - this.base;
    const i = this.index.floorOffset(rel > MAX_RELATIVE_OFFSET ? 0xffff_ffff : Number(rel));
    return i < 0 ? 0 : this.index.positionAt(i);
  }

  /** Start position for a scan looking for the first batch with max timestamp >= ts. */
  positionForTimestamp(ts: number): number {
    const i = this.index.lastBeforeTimestamp(ts);
    return i < 0 ? 0 : this.index.positionAt(i);
  }

  /** Writes index entries not yet on disk. Small and async; `force` also flushes a short tail. */
  async flushIndex(force = false): Promise<void> {
    const pending = this.index.count - this.persistedEntries;
    if (pending <= 0 || (!force && pending < INDEX_FLUSH_ENTRIES)) return;
    const from = this.persistedEntries;
    const to = this.index.count;
    await this.idx.use((fh) => fh.write(this.index.encode(from, to), 0, (to - from) * INDEX_ENTRY_BYTES, from * INDEX_ENTRY_BYTES));
    this.persistedEntries = Math.max(this.persistedEntries, to);
  }

  /** Rewrites the whole index file (after recovery changed it). */
  async rewriteIndex(): Promise<void> {
    const data = this.index.encode(0, this.index.count);
    await this.files.transient(() => fsp.writeFile(this.indexPath, data));
    this.persistedEntries = this.index.count;
  }

  /** Stops writing: index flushed and its file closed. The log stays cached for reads. */
  async seal(): Promise<void> {
    await this.flushIndex(true);
    await this.idx.release();
  }

  /** Cuts the file back to `size` after a failed write (best effort). */
  truncateToSize(): Promise<void> {
    return this.log.use((fh) => fh.truncate(this.size));
  }

  /** Closes the log file while nobody is reading it; the next read opens it again. */
  release(): Promise<void> {
    return this.log.release();
  }

  async close(): Promise<void> {
    if (!this.deleted) await this.seal();
    await Promise.allSettled([this.log.close(), this.idx.close()]);
  }

  /** Removes the files. Reads already running finish first (their handle closes when they do). */
  async delete(): Promise<void> {
    this.deleted = true;
    await Promise.allSettled([fsp.unlink(this.logPath), fsp.unlink(this.indexPath)]);
    await Promise.allSettled([this.log.close(), this.idx.close()]);
  }
}
