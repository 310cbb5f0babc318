import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';

/**
 * Inflates the records section of a compressed batch. Used only by ListOffsets by time (to find
 * the exact record inside a batch); produce and fetch never decompress. The codec packages are
 * native and loaded on first use, so a broker that is never asked for a timestamp never loads them.
 */
export const Codec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

const gunzip = promisify(gunzipCb);

/** Kafka's Java client and librdkafka frame snappy the way xerial snappy-java does. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16; // magic, version, compatible version

type Snappy = typeof import('snappy');
type Lz4 = typeof import('lz4-napi');
type Zstd = typeof import('@mongodb-js/zstd');
let snappy: Promise<Snappy> | undefined;
let lz4: Promise<Lz4> | undefined;
let zstd: Promise<Zstd> | undefined;

async function unsnappy(data: Buffer): Promise<Buffer> {
  const s = await (snappy ??= import('snappy'));
  const block = async (b: Buffer) => Buffer.from((await s.uncompress(b)) as Buffer);
  if (data.length < XERIAL_HEADER || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return block(data);
  const parts: Buffer[] = [];
  let at = XERIAL_HEADER;
  while (at + 4 <= data.length) {
    const len = data.readInt32BE(at);
    at += 4;
    if (len < 0 || at + len > data.length) throw new Error('truncated xerial snappy chunk');
    parts.push(await block(data.subarray(at, at + len)));
    at += len;
  }
  return Buffer.concat(parts);
}

export async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case Codec.GZIP:
      return gunzip(data);
    case Codec.SNAPPY:
      return unsnappy(data);
    case Codec.LZ4:
      // Kafka's v2 batches use the standard LZ4 frame format.
      return (await (lz4 ??= import('lz4-napi'))).decompressFrame(data);
    case Codec.ZSTD:
      return (await (zstd ??= import('@mongodb-js/zstd'))).decompress(data);
    default:
      throw new Error(`unknown compression codec ${codec}`);
  }
}
