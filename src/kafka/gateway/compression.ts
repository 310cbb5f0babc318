// Node's CommonJS export detection misses CompressionCodecs; the default export has it.
import kafkajs from 'kafkajs';
import { CODEC_IDS, guardedCodec, lz4Codec, snappyCodec, zstdCodec, type Codec } from '../codecs.js';

/**
 * kafkajs ships gzip only and throws "… compression not implemented" for the other codecs, which
 * crashed the consumer on the first snappy/lz4/zstd batch from any other client. kafkajs keeps
 * one codec table per process; it is filled once, when this module loads. Every codec, gzip
 * included, and the ids Kafka does not define (5-7) go through `guardedCodec`, so a batch that
 * cannot be decoded becomes an "undecodable" record instead of a crash of the fetch loop.
 */
function registerCodecs(): void {
  const table = kafkajs.CompressionCodecs as unknown as Record<number, () => unknown>;
  const gzipFactory = table[CODEC_IDS.gzip]!;
  const builtinGzip = gzipFactory() as { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
  const gzip: Codec = { compress: (data) => builtinGzip.compress({ buffer: data }), decompress: (data) => builtinGzip.decompress(data) };
  const codecs: Array<[number, string, Codec | undefined]> = [
    [CODEC_IDS.gzip, 'gzip', gzip],
    [CODEC_IDS.snappy, 'snappy', snappyCodec],
    [CODEC_IDS.lz4, 'lz4', lz4Codec],
    [CODEC_IDS.zstd, 'zstd', zstdCodec],
    [5, 'codec 5', undefined],
    [6, 'codec 6', undefined],
    [7, 'codec 7', undefined],
  ];
  for (const [id, name, codec] of codecs) {
    const guarded = guardedCodec(name, id, codec);
    table[id] = () => guarded;
  }
}
registerCodecs();
