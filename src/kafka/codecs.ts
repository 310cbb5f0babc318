/**
 * Compression codecs for every codec Kafka allows (gzip comes with kafkajs; snappy, lz4 and zstd
 * are registered by the gateway from here), and the guard that turns a batch the app cannot
 * decode into "undecodable" placeholder records instead of a crash of the whole consumer.
 *
 * Packages (see docs/web-app.md, "Compression"): `snappy` and `lz4-napi` (napi-rs, binaries in
 * per-platform npm packages) and `@mongodb-js/zstd` 1.x (napi-rs, same packaging). All three run
 * the work off the event loop (async N-API tasks), so a large batch does not block requests.
 *
 * This module does not import kafkajs (src/kafka/gateway/ is the only importer); it works on
 * plain Buffers.
 */
import * as snappy from 'snappy';
import * as lz4 from 'lz4-napi';
import * as zstd from '@mongodb-js/zstd';

export interface Codec {
  compress(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** Kafka's codec ids (the low three bits of a record batch's attributes). */
export const CODEC_IDS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/**
 * A decompressed batch larger than this is refused (shown as undecodable) rather than inflated:
 * a few kilobytes of snappy can claim gigabytes. 64 MiB is far above any batch a producer builds
 * under Kafka's default 1 MiB message.max.bytes.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

// --- snappy -------------------------------------------------------------------------------------

/** xerial snappy-java's stream header: Java producers frame snappy this way. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16; // magic + version (int32) + compatible version (int32)
/** snappy-java's default block size, so Java consumers see what a Java producer would send. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** The uncompressed length a raw snappy stream declares (its leading varint). */
function snappyDeclaredLength(data: Buffer): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < data.length; i++, shift += 7) {
    const byte = data[i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  throw new Error('snappy: truncated length header');
}

async function snappyRaw(block: Buffer, budget: number): Promise<Buffer> {
  if (snappyDeclaredLength(block) > budget) throw new Error(`snappy: block would inflate past ${MAX_DECOMPRESSED_BYTES} bytes`);
  return (await snappy.uncompress(block, { asBuffer: true })) as Buffer;
}

export const snappyCodec: Codec = {
  async compress(data) {
    const parts: Buffer[] = [XERIAL_MAGIC, int32(1), int32(1)];
    for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
      const block = await snappy.compress(data.subarray(at, at + XERIAL_BLOCK_BYTES));
      parts.push(int32(block.length), block);
    }
    return Buffer.concat(parts);
  },
  async decompress(data) {
    // librdkafka sends raw snappy; Java (snappy-java) sends the xerial framing. Decode both.
    if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
      return snappyRaw(data, MAX_DECOMPRESSED_BYTES);
    }
    const blocks: Buffer[] = [];
    let total = 0;
    let at = XERIAL_HEADER_BYTES;
    while (at < data.length) {
      if (at + 4 > data.length) throw new Error('snappy: truncated xerial block header');
      const size = data.readInt32BE(at);
      at += 4;
      if (size < 0 || at + size > data.length) throw new Error(`snappy: xerial block of ${size} bytes overruns the batch`);
      const block = await snappyRaw(data.subarray(at, at + size), MAX_DECOMPRESSED_BYTES - total);
      total += block.length;
      blocks.push(block);
      at += size;
    }
    return Buffer.concat(blocks, total);
  },
};

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

// --- lz4 and zstd -------------------------------------------------------------------------------

/** Kafka (magic v2) uses the standard LZ4 frame format. */
export const lz4Codec: Codec = {
  compress: (data) => lz4.compressFrame(data),
  decompress: (data) => lz4.decompressFrame(data),
};

/** Standard zstd frames; level 3 is zstd's (and librdkafka's) default. */
export const zstdCodec: Codec = {
  compress: (data) => zstd.compress(data, 3),
  decompress: (data) => zstd.decompress(data),
};

// --- the undecodable-batch guard ----------------------------------------------------------------

/** What the placeholder records of an undecodable batch carry (see `undecodableMarker`). */
export interface UndecodableInfo {
  reason: string;
  /** Offset range of the batch that could not be read. */
  firstOffset: string;
  lastOffset: string;
  records: number;
}

/**
 * Header names of the placeholder records, random per process so that no producer can forge an
 * "undecodable" row by sending a header of that name. The last placeholder of a batch carries
 * the report (JSON `UndecodableInfo`); the others carry the skip marker and are only acknowledged.
 */
const MARKER_ID = Math.random().toString(36).slice(2) + Date.now().toString(36);
export const UNDECODABLE_HEADER = `kwd-undecodable-${MARKER_ID}`;
export const UNDECODABLE_SKIP_HEADER = `kwd-undecodable-skip-${MARKER_ID}`;

/**
 * A batch with more records than this is not replaced by placeholders: the decoder builds one
 * object per record, and a corrupt header can claim two billion. Such a batch still crashes the
 * consumer run (and is retried with backoff), as before.
 */
const MAX_PLACEHOLDERS = 100_000;

/** Size of the v2 record batch header in front of the (compressed) records. */
const BATCH_HEADER_BYTES = 61;

interface BatchHeader {
  baseOffset: bigint;
  lastOffsetDelta: number;
  count: number;
}

/**
 * kafkajs hands a codec only the compressed bytes, but they are a view into the fetched record
 * batch, so the batch header sits right in front of them in the same memory. It is used only
 * when every field agrees with what was handed over: magic 2, this codec's id in the attributes,
 * a batch length that ends exactly where the compressed bytes end.
 */
function batchHeaderOf(compressed: Buffer, codecId: number): BatchHeader | undefined {
  if (compressed.byteOffset < BATCH_HEADER_BYTES) return undefined;
  const h = Buffer.from(compressed.buffer, compressed.byteOffset - BATCH_HEADER_BYTES, BATCH_HEADER_BYTES);
  const batchLength = h.readInt32BE(8);
  const magic = h.readInt8(16);
  const attributes = h.readInt16BE(21);
  if (magic !== 2 || (attributes & 0x07) !== codecId || batchLength !== BATCH_HEADER_BYTES - 12 + compressed.length) return undefined;
  return { baseOffset: h.readBigInt64BE(0), lastOffsetDelta: h.readInt32BE(23), count: h.readInt32BE(57) };
}

/** Zigzag varint/varlong reader over a buffer, bounds-checked: throws on anything malformed. */
class Cursor {
  at = 0;
  constructor(private readonly buf: Buffer, private readonly end = buf.length) {}

  varint(maxBytes = 5): number {
    let raw = 0n;
    for (let i = 0, shift = 0n; ; i++, shift += 7n) {
      if (i >= maxBytes || this.at >= this.end) throw new Error('malformed varint');
      const byte = this.buf[this.at++]!;
      raw |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
    }
    return Number((raw >> 1n) ^ -(raw & 1n));
  }

  skip(n: number): void {
    if (n < 0 || this.at + n > this.end) throw new Error('field overruns the record');
    this.at += n;
  }
}

/**
 * Checks that `data` holds `count` well-formed v2 records, the way kafkajs will read them, so a
 * batch that decompresses to garbage becomes undecodable here rather than a crash there. Also
 * refuses records with very many headers: kafkajs builds the header object by copying it once
 * per header, which is quadratic.
 */
export function recordsProblem(data: Buffer, count: number, maxHeaders = 1000): string | undefined {
  const c = new Cursor(data);
  try {
    for (let i = 0; i < count; i++) {
      const length = c.varint();
      if (length < 0 || c.at + length > data.length) return `record ${i} overruns the decompressed batch`;
      const end = c.at + length;
      const r = new Cursor(data, end);
      r.at = c.at;
      r.skip(1); // attributes
      r.varint(10); // timestamp delta
      r.varint(); // offset delta
      for (let f = 0; f < 2; f++) {
        const n = r.varint(); // key, then value; -1 is null
        if (n < -1) return `record ${i} has a negative field length`;
        if (n > 0) r.skip(n);
      }
      const headers = r.varint();
      if (headers < 0) return `record ${i} has a negative header count`;
      if (headers > maxHeaders) return `record ${i} has ${headers} headers (at most ${maxHeaders} are read)`;
      for (let h = 0; h < headers; h++) {
        const k = r.varint();
        if (k < 0) return `record ${i} has a header without a name`;
        r.skip(k);
        const v = r.varint();
        if (v < -1) return `record ${i} has a negative header length`;
        if (v > 0) r.skip(v);
      }
      c.at = end;
    }
  } catch (err) {
    return `malformed records: ${(err as Error).message}`;
  }
  return undefined;
}

function writeVarint(out: number[], n: number): void {
  let z = (n << 1) ^ (n >> 31);
  z >>>= 0;
  while (z >= 0x80) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
}

function placeholderRecord(offsetDelta: number, header: string, value: Buffer): Buffer {
  const body: number[] = [0, 0]; // attributes, timestamp delta 0
  writeVarint(body, offsetDelta);
  writeVarint(body, -1); // null key
  writeVarint(body, -1); // null value
  writeVarint(body, 1); // one header
  const name = Buffer.from(header, 'utf8');
  writeVarint(body, name.length);
  const tail: number[] = [];
  writeVarint(tail, value.length);
  const record = Buffer.concat([Buffer.from(body), name, Buffer.from(tail), value]);
  const prefix: number[] = [];
  writeVarint(prefix, record.length);
  return Buffer.concat([Buffer.from(prefix), record]);
}

/**
 * The "decompressed" records kafkajs gets for a batch it cannot read: as many as the batch
 * declares, at offsets within the batch, the last one at the batch's last offset carrying the
 * report. Consuming and committing that one moves the group past the whole batch.
 */
export function placeholderRecords(header: BatchHeader, reason: string): Buffer {
  const last = header.lastOffsetDelta;
  const info: UndecodableInfo = {
    reason,
    firstOffset: header.baseOffset.toString(),
    lastOffset: (header.baseOffset + BigInt(last)).toString(),
    records: header.count,
  };
  const parts: Buffer[] = [];
  for (let i = 0; i < header.count - 1; i++) parts.push(placeholderRecord(Math.min(i, last), UNDECODABLE_SKIP_HEADER, Buffer.alloc(0)));
  parts.push(placeholderRecord(last, UNDECODABLE_HEADER, Buffer.from(JSON.stringify(info), 'utf8')));
  return Buffer.concat(parts);
}

/** The error kafkajs sees when even placeholders are impossible; the consumer then crashes as before. */
export class UndecodableBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndecodableBatchError';
  }
}

/**
 * Wraps a codec (or none, for ids Kafka does not define) so that decompression never throws for
 * a batch whose header can be read: it returns the real records if they decompress to
 * well-formed records, else placeholders that say why.
 */
export function guardedCodec(name: string, codecId: number, codec: Codec | undefined): { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(data: Buffer): Promise<Buffer> } {
  return {
    async compress(encoder) {
      if (!codec) throw new UndecodableBatchError(`compression codec ${codecId} does not exist in Kafka`);
      return codec.compress(encoder.buffer);
    },
    async decompress(data) {
      const header = batchHeaderOf(data, codecId);
      let reason: string;
      if (!codec) {
        reason = `unknown compression codec ${codecId} (Kafka defines 0-4)`;
      } else {
        try {
          const out = await codec.decompress(data);
          if (out.length > MAX_DECOMPRESSED_BYTES) throw new Error(`inflates to ${out.length} bytes, more than ${MAX_DECOMPRESSED_BYTES}`);
          const problem = header ? recordsProblem(out, header.count) : undefined;
          if (!problem) return out;
          reason = `${name} batch decompressed to ${problem}`;
        } catch (err) {
          reason = `${name} decompression failed: ${(err as Error).message ?? String(err)}`;
        }
      }
      if (!header || header.count < 1 || header.count > MAX_PLACEHOLDERS || header.lastOffsetDelta < 0) {
        throw new UndecodableBatchError(reason);
      }
      return placeholderRecords(header, reason);
    },
  };
}

/** Reads the report a placeholder record carries; undefined for ordinary records. */
export function undecodableOf(headers: Record<string, unknown> | undefined): UndecodableInfo | 'skip' | undefined {
  if (!headers) return undefined;
  if (headers[UNDECODABLE_SKIP_HEADER] !== undefined) return 'skip';
  const raw = headers[UNDECODABLE_HEADER];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw)) as UndecodableInfo;
  } catch {
    return { reason: 'undecodable batch', firstOffset: '', lastOffset: '', records: 0 };
  }
}
