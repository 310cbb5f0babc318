import { crc32c } from './crc32c.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/**
 * Record batch v2 (magic 2). The broker treats batches as opaque bytes: it reads the fixed
 * 61-byte header, checks the CRC, and rewrites baseOffset (which the CRC does not cover).
 * The full record codec below exists for tests, tools and the timestamp index, never the hot path.
 */
export const BATCH_HEADER_SIZE = 61;
export const LOG_OVERHEAD = 12; // baseOffset + batchLength precede the length-counted part

export const Off = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
} as const;

export const Attr = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
} as const;

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  return {
    baseOffset: buf.readBigInt64BE(at + Off.baseOffset),
    batchLength: buf.readInt32BE(at + Off.batchLength),
    magic: buf.readInt8(at + Off.magic),
    crc: buf.readUInt32BE(at + Off.crc),
    attributes: buf.readInt16BE(at + Off.attributes),
    lastOffsetDelta: buf.readInt32BE(at + Off.lastOffsetDelta),
    baseTimestamp: buf.readBigInt64BE(at + Off.baseTimestamp),
    maxTimestamp: buf.readBigInt64BE(at + Off.maxTimestamp),
    producerId: buf.readBigInt64BE(at + Off.producerId),
    producerEpoch: buf.readInt16BE(at + Off.producerEpoch),
    baseSequence: buf.readInt32BE(at + Off.baseSequence),
    recordsCount: buf.readInt32BE(at + Off.recordsCount),
  };
}

/** Total size of the batch starting at `at`, or -1 if fewer than 12 bytes remain. */
export function batchSizeAt(buf: Buffer, at: number): number {
  if (at + LOG_OVERHEAD > buf.length) return -1;
  return LOG_OVERHEAD + buf.readInt32BE(at + Off.batchLength);
}

export type BatchProblem = 'truncated' | 'bad-magic' | 'bad-crc' | 'bad-count' | null;

/** Checks one complete batch occupying buf[at, at+size). */
export function checkBatch(buf: Buffer, at: number, size: number): BatchProblem {
  if (size < BATCH_HEADER_SIZE || at + size > buf.length) return 'truncated';
  if (buf.readInt8(at + Off.magic) !== 2) return 'bad-magic';
  const lastOffsetDelta = buf.readInt32BE(at + Off.lastOffsetDelta);
  const count = buf.readInt32BE(at + Off.recordsCount);
  if (lastOffsetDelta < 0 || count < 0 || (count === 0 && lastOffsetDelta !== 0)) return 'bad-count';
  const stored = buf.readUInt32BE(at + Off.crc);
  if (crc32c(buf, at + Off.attributes, at + size) !== stored) return 'bad-crc';
  return null;
}

export interface Header {
  key: string;
  value: Buffer | null;
}

export interface Record {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Header[];
}

export interface NewRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  timestamp?: bigint | number;
  headers?: { key: string; value: Buffer | string | null }[];
}

export interface EncodeBatchOptions {
  baseOffset?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
}

function asBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

/** Encodes an uncompressed v2 batch (tests, tools). */
export function encodeRecordBatch(records: NewRecord[], opts: EncodeBatchOptions = {}): Buffer {
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  const now = BigInt(Date.now());
  const stamps = records.map((r) => (r.timestamp === undefined ? now : BigInt(r.timestamp)));
  const baseTimestamp = stamps.reduce((a, b) => (b < a ? b : a));
  const maxTimestamp = stamps.reduce((a, b) => (b > a ? b : a));

  const body = new Writer(1024);
  records.forEach((r, i) => {
    const rec = new Writer(64);
    rec.int8(0).varlong(stamps[i] - baseTimestamp).varint(i);
    const key = asBuffer(r.key);
    if (key === null) rec.varint(-1);
    else rec.varint(key.length).raw(key);
    const value = asBuffer(r.value);
    if (value === null) rec.varint(-1);
    else rec.varint(value.length).raw(value);
    const headers = r.headers ?? [];
    rec.varint(headers.length);
    for (const h of headers) {
      const k = Buffer.from(h.key);
      rec.varint(k.length).raw(k);
      const hv = asBuffer(h.value);
      if (hv === null) rec.varint(-1);
      else rec.varint(hv.length).raw(hv);
    }
    const recBytes = rec.toBuffer();
    body.varint(recBytes.length).raw(recBytes);
  });
  const recordsBytes = body.toBuffer();

  const w = new Writer(BATCH_HEADER_SIZE + recordsBytes.length);
  w.int64(opts.baseOffset ?? 0n)
    .int32(BATCH_HEADER_SIZE - LOG_OVERHEAD + recordsBytes.length)
    .int32(0)
    .int8(2)
    .uint32(0)
    .int16(opts.attributes ?? 0)
    .int32(records.length - 1)
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(opts.producerId ?? -1n)
    .int16(opts.producerEpoch ?? -1)
    .int32(opts.baseSequence ?? -1)
    .int32(records.length)
    .raw(recordsBytes);
  const out = w.toBuffer();
  out.writeUInt32BE(crc32c(out, Off.attributes, out.length), Off.crc);
  return out;
}

/** Decodes every record of an uncompressed batch. */
export function decodeRecordBatch(buf: Buffer, at = 0): { header: BatchHeader; records: Record[] } {
  const header = readBatchHeader(buf, at);
  if ((header.attributes & Attr.compressionMask) !== 0) {
    throw new Error('compressed batches are not decoded by the broker');
  }
  const end = at + LOG_OVERHEAD + header.batchLength;
  const r = new Reader(buf, at + BATCH_HEADER_SIZE, end);
  const records: Record[] = [];
  for (let i = 0; i < header.recordsCount; i++) {
    const len = r.varint();
    const recEnd = r.offset + len;
    r.int8();
    const tsDelta = r.varlong();
    const offDelta = r.varint();
    const keyLen = r.varint();
    const key = keyLen < 0 ? null : Buffer.from(r.raw(keyLen));
    const valueLen = r.varint();
    const value = valueLen < 0 ? null : Buffer.from(r.raw(valueLen));
    const headerCount = r.varint();
    const headers: Header[] = [];
    for (let h = 0; h < headerCount; h++) {
      const kl = r.varint();
      const hk = r.raw(kl).toString('utf8');
      const vl = r.varint();
      const hv = vl < 0 ? null : Buffer.from(r.raw(vl));
      headers.push({ key: hk, value: hv });
    }
    if (r.offset !== recEnd) throw new Error(`record ${i} length mismatch`);
    records.push({
      offset: header.baseOffset + BigInt(offDelta),
      timestamp: header.baseTimestamp + tsDelta,
      key,
      value,
      headers,
    });
  }
  return { header, records };
}

/**
 * Walks the records of an uncompressed batch without decoding them: each record's length must
 * fit, its offset delta must be its position, and the count must match the header. Kafka refuses
 * a batch that lies about its records (INVALID_RECORD); accepting one would acknowledge messages
 * that no consumer can read or burn offsets for records that do not exist.
 */
export function recordsMatchHeader(buf: Buffer, at: number, size: number): boolean {
  const count = buf.readInt32BE(at + Off.recordsCount);
  if (buf.readInt32BE(at + Off.lastOffsetDelta) !== count - 1) return false;
  const end = at + size;
  let pos = at + BATCH_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    // Record length (zigzag varint).
    let raw = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= end || shift > 28) return false;
      b = buf[pos++];
      raw |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    const len = (raw >>> 1) ^ -(raw & 1);
    const recordEnd = pos + len;
    if (len < 3 || recordEnd > end) return false;
    // attributes (1 byte), timestamp delta (varlong, skipped), then the offset delta.
    let p = pos + 1;
    while (p < recordEnd && buf[p] & 0x80) p++;
    p++;
    raw = 0;
    shift = 0;
    do {
      if (p >= recordEnd || shift > 28) return false;
      b = buf[p++];
      raw |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (((raw >>> 1) ^ -(raw & 1)) !== i) return false;
    pos = recordEnd;
  }
  return pos === end;
}
