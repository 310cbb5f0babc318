/**
 * ListOffsets by time inside one segment: walk batch headers from the segment's time-index hint
 * and decompress (batch-codecs.ts) only the one batch whose newest timestamp reaches the target,
 * to find the exact first record in it. Produce and Fetch never decompress; this path alone does.
 */
import type { BrokerLogger } from '../logger.js';
import { Attr, BATCH_HEADER_SIZE, decodeRecordBatch, LOG_OVERHEAD, Off } from '../protocol/record-batch.js';
import { decompress } from './batch-codecs.js';
import type { Segment } from './segment.js';

/** Chunk size when walking batch headers. */
const SCAN_CHUNK = 64 * 1024;
const EMPTY: Buffer<ArrayBuffer> = Buffer.alloc(0);

export interface TimeHit {
  offset: bigint;
  timestamp: bigint;
}

/** Newest timestamp of the batch at `at`. Compares both header fields because kafkajs derives maxTimestamp by string sort. */
export function batchMaxTimestamp(buf: Buffer, at: number): number {
  const base = buf.readBigInt64BE(at + Off.baseTimestamp);
  const max = buf.readBigInt64BE(at + Off.maxTimestamp);
  return Number(max > base ? max : base);
}

/** The first record at or after `target` (ms; `ts` is the same as a number) in `seg`, not below `logStart`. */
export async function searchSegmentByTime(seg: Segment, ts: number, target: bigint, logStart: bigint, logger: BrokerLogger): Promise<TimeHit | null> {
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
    if (batchMaxTimestamp(chunk, o) >= ts && last >= logStart) {
      const batch = o + size <= chunk.length ? chunk.subarray(o, o + size) : await seg.read(p, size);
      const hit = await firstRecordAtOrAfter(batch, target, logStart, logger);
      if (hit) return hit;
    }
    p += size;
  }
  return null;
}

async function firstRecordAtOrAfter(batch: Buffer, target: bigint, logStart: bigint, logger: BrokerLogger): Promise<TimeHit | null> {
  const attributes = batch.readInt16BE(Off.attributes);
  const base = batch.readBigInt64BE(Off.baseOffset);
  const maxTs = batch.readBigInt64BE(Off.maxTimestamp);
  const floor = base > logStart ? base : logStart;
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
      if (r.timestamp >= target && r.offset >= logStart) return { offset: r.offset, timestamp: r.timestamp };
    }
    return null;
  } catch (err) {
    logger.debug({ err }, 'could not decode batch for a timestamp lookup');
    return { offset: floor, timestamp: maxTs };
  }
}
