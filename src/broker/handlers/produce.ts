import { ApiKey } from '../protocol/api-keys.js';
import { decodeProduceRequest, encodeProduceResponse, type ProducePartitionResult } from '../protocol/apis/produce.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { Attr, batchSizeAt, Off, recordsMatchHeader } from '../protocol/record-batch.js';
import { StorageError } from '../storage/log-manager.js';
import { findOrCreateTopic } from './topic-lookup.js';
import type { ApiHandler, BrokerContext } from './types.js';

const ZSTD = 4;

/**
 * Kafka's ProduceRequest.validateRecords: exactly one v2 batch per partition, codec allowed.
 *
 * Codec ids 5-7 (attribute bits 0-2) name no codec. Apache Kafka 3.9 fails such a partition with
 * UNKNOWN_SERVER_ERROR (its CompressionType.forId throws an IllegalArgumentException, which is
 * not an ApiException), and ZStandard below Produce v7 with UNSUPPORTED_COMPRESSION_TYPE; both
 * checked against a real 3.9.1 broker. We answer the same codes so clients behave the same.
 *
 * v0-2 may carry message sets of magic 0/1, which Kafka converts on write; this broker stores
 * batches as they come, so it refuses those as a message format it does not support.
 */
function validateRecords(records: Buffer, version: number, maxMessageBytes: number): number {
  if (version < 3 && records.length > Off.magic && records.readInt8(Off.magic) < 2) return ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT;
  const size = batchSizeAt(records, 0);
  if (size < 0 || size > records.length || records.readInt8(Off.magic) !== 2) return ErrorCode.INVALID_RECORD;
  if (size !== records.length) return ErrorCode.INVALID_RECORD;
  if (size > maxMessageBytes) return ErrorCode.MESSAGE_TOO_LARGE;
  const codec = records.readInt16BE(Off.attributes) & Attr.compressionMask;
  if (codec > ZSTD) return ErrorCode.UNKNOWN_SERVER_ERROR;
  if (codec === ZSTD && version < 7) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  // Compressed records are only checked by consumers; the broker stores them without inflating.
  if (codec === 0 && !recordsMatchHeader(records, 0, size)) return ErrorCode.INVALID_RECORD;
  return ErrorCode.NONE;
}

const LOG_START_ERRORS: ReadonlySet<number> = new Set([ErrorCode.INVALID_RECORD, ErrorCode.INVALID_TIMESTAMP]);

async function appendPartition(
  broker: BrokerContext,
  version: number,
  topicName: string,
  index: number,
  records: Buffer | null,
): Promise<ProducePartitionResult> {
  const result = (errorCode: number, baseOffset = -1n, logStartOffset = -1n): ProducePartitionResult => ({
    index,
    errorCode,
    baseOffset,
    logAppendTime: -1n,
    logStartOffset,
  });
  // Kafka never creates a topic for a Produce (only Metadata may): UNKNOWN_TOPIC_OR_PARTITION.
  const found = await findOrCreateTopic(broker, topicName, false);
  if (!found.topic) return result(found.errorCode);
  const log = broker.logs.partition(topicName, index);
  if (!log) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (records === null || records.length === 0) return result(ErrorCode.INVALID_RECORD);
  const invalid = validateRecords(records, version, broker.config.maxMessageBytes);
  // Kafka reports the log start offset with record-validation errors, not with size/corruption ones.
  if (invalid !== ErrorCode.NONE) return result(invalid, -1n, LOG_START_ERRORS.has(invalid) ? log.logStartOffset : -1n);
  try {
    const producerId = records.readBigInt64BE(Off.producerId);
    if (producerId >= 0n) {
      const check = broker.producers.check(
        topicName,
        index,
        producerId,
        records.readInt16BE(Off.producerEpoch),
        records.readInt32BE(Off.baseSequence),
        records.readInt32BE(Off.recordsCount),
        records.readBigInt64BE(Off.maxTimestamp),
      );
      if (check.kind === 'reject') return result(check.errorCode, -1n, log.logStartOffset);
      if (check.kind === 'duplicate') {
        // A retry of a batch we already wrote: acknowledge it with the original offset and, as
        // Kafka does (it answers with the cached batch's timestamp), its max timestamp.
        return { index, errorCode: ErrorCode.NONE, baseOffset: await check.baseOffset, logAppendTime: check.maxTimestamp, logStartOffset: log.logStartOffset };
      }
      const appended = log.append(records);
      check.record(appended.then((a) => a.baseOffset));
      const { baseOffset, logAppendTime } = await appended;
      return { index, errorCode: ErrorCode.NONE, baseOffset, logAppendTime, logStartOffset: log.logStartOffset };
    }
    const { baseOffset, logAppendTime } = await log.append(records);
    return { index, errorCode: ErrorCode.NONE, baseOffset, logAppendTime, logStartOffset: log.logStartOffset };
  } catch (err) {
    if (err instanceof StorageError) return result(err.errorCode);
    broker.logger.error({ err, topic: topicName, partition: index }, 'append failed');
    return result(ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

export const produceHandler: ApiHandler = {
  apiKey: ApiKey.Produce,
  name: 'Produce',
  // From v0 like Kafka 3.9.1: librdkafka 2.0.2 compresses gzip, snappy and lz4 only for a broker
  // whose Produce range includes v0 (its codec check predates KIP-896), though it produces with v7.
  minVersion: 0,
  maxVersion: 11,
  firstFlexibleVersion: 9,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeProduceRequest(body, version);
    const acksValid = req.acks === 0 || req.acks === 1 || req.acks === -1;
    // Appends start in request order (offsets are assigned synchronously inside append), and all
    // partitions of one request are written concurrently.
    const topics = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) =>
            acksValid
              ? appendPartition(ctx.broker, version, t.name, p.index, p.records)
              : Promise.resolve<ProducePartitionResult>({
                  index: p.index,
                  errorCode: ErrorCode.INVALID_REQUIRED_ACKS,
                  baseOffset: -1n,
                  logAppendTime: -1n,
                  logStartOffset: -1n,
                }),
          ),
        ),
      })),
    );
    if (req.acks === 0) {
      // The client reads no response for acks=0. Like Kafka, hang up when any partition failed,
      // so the producer notices (it reconnects and refreshes metadata) instead of losing data silently.
      const failed = topics.flatMap((t) => t.partitions.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name}-${p.index}: error ${p.errorCode}`));
      if (failed.length > 0) throw new ProtocolError(`acks=0 produce failed (${failed.slice(0, 5).join(', ')})`);
      return null;
    }
    return encodeProduceResponse(version, topics);
  },
};
