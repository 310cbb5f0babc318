/**
 * Opening a partition directory after any kind of stop, clean or not: which segments there are,
 * how much of each is trustworthy (length, CRC and offset continuity of every batch from the last
 * good index entry on; a torn or corrupt tail is truncated), where the log starts (the
 * DeleteRecords checkpoint) and when the active segment's segment.ms clock started.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BATCH_HEADER_SIZE, checkBatch, LOG_OVERHEAD, Off } from '../protocol/record-batch.js';
import { readAt, readFileIfExists } from './fs-util.js';
import type { PartitionEnv } from './partition-log.js';
import { INDEX_ENTRY_BYTES, Segment, SEGMENT_FILE, SparseIndex } from './segment.js';
import { batchMaxTimestamp } from './time-lookup.js';

/** The log start offset after DeleteRecords, one decimal number; partition-log.ts writes it. */
export const CHECKPOINT_FILE = 'log-start-offset';
/** Recovery reads whole batches to check CRCs; chunks of this size amortise the syscalls. */
const RECOVERY_CHUNK = 1024 * 1024;
const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);

export interface RecoveredPartition {
  /** Oldest first; the last one takes appends. */
  segments: Segment[];
  logStart: bigint;
  /** The next offset to hand out (also the high watermark: a single replica). */
  next: bigint;
}

/** Opens (or creates) the partition directory and recovers it: see recoverSegment. */
export async function recoverPartition(dir: string, topic: string, partition: number, env: PartitionEnv): Promise<RecoveredPartition> {
  await fsp.mkdir(dir, { recursive: true });
  const names = await fsp.readdir(dir);
  if (names.length === 0) {
    // A new partition (the common case when a topic is created): nothing to recover.
    return { segments: [await Segment.create(dir, 0n, env.files)], logStart: 0n, next: 0n };
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

  let segments: Segment[] = [];
  for (let i = 0; i < bases.length; i++) {
    const seg = await recoverSegment(dir, topic, partition, env, bases[i]);
    if (i < bases.length - 1) {
      if (seg.size === 0) {
        // Left by a crash right after a roll; the next segment carries on.
        await seg.delete();
        continue;
      }
      // Old segments reopen on demand, so a long log does not pin a descriptor per segment.
      await seg.release();
    }
    const prev = segments[segments.length - 1];
    if (prev && seg.base < prev.endOffset) {
      env.logger.warn(
        { topic, partition, segment: seg.base.toString(), previousEnd: prev.endOffset.toString() },
        'segment overlaps the previous one',
      );
    }
    segments.push(seg);
  }
  if (segments.length === 0) segments.push(await Segment.create(dir, checkpoint ?? 0n, env.files));

  let next = segments[segments.length - 1]!.endOffset;
  const first = segments[0]!.base;
  const logStart = checkpoint !== null && checkpoint > first ? checkpoint : first;
  if (logStart > next) {
    // The checkpoint is ahead of the data (a tail was lost after DeleteRecords): continue at
    // the checkpoint so no offset is ever handed out twice.
    env.logger.warn(
      { topic, partition, logStart: logStart.toString(), logEnd: next.toString() },
      'log start offset beyond log end; starting a fresh segment there',
    );
    const old = segments;
    await old[old.length - 1]!.seal();
    segments = [await Segment.create(dir, logStart, env.files)];
    for (const s of old) await s.delete();
    next = logStart;
  }
  await recoverRollClock(segments[segments.length - 1]!);
  return { segments, logStart, next };
}

/**
 * Restores when the active segment got its first batch, so segment.ms keeps counting across a
 * restart. That moment is not stored; the first batch's timestamp stands in for it, capped by
 * the file's mtime (no write can predate the last one) so a producer clock far in the future
 * cannot postpone the roll. A first batch stamped long ago (replayed data) makes the segment
 * roll on the first append after the restart, once: the next segment's clock is the wall clock.
 */
async function recoverRollClock(seg: Segment): Promise<void> {
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
async function recoverSegment(dir: string, topic: string, partition: number, env: PartitionEnv, base: bigint): Promise<Segment> {
  const { logger, files } = env;
  const seg = new Segment(dir, base, files);
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
          { topic, partition, segment: seg.logPath, validBytes: result.end, fileBytes: fileSize, reason: result.reason },
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
