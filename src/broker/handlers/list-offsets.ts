import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeListOffsetsRequest,
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  encodeListOffsetsResponse,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  type ListOffsetsPartitionResult,
  MAX_TIMESTAMP,
} from '../protocol/apis/list-offsets.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const listOffsetsHandler: ApiHandler = {
  apiKey: ApiKey.ListOffsets,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 9,
  firstFlexibleVersion: 6,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeListOffsetsRequest(body, version);
    const topics = [];
    for (const t of req.topics) {
      const partitions: ListOffsetsPartitionResult[] = [];
      for (const p of t.partitions) {
        const log = ctx.broker.logs.partition(t.name, p.index);
        const answer = (errorCode: number, offset = -1n, timestamp = -1n) =>
          partitions.push({ index: p.index, errorCode, timestamp, offset });
        if (!log) answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else if (p.timestamp === LATEST_TIMESTAMP) answer(ErrorCode.NONE, log.highWatermark);
        // Without tiered storage the local log start is the log start, as in Kafka.
        else if (p.timestamp === EARLIEST_TIMESTAMP || p.timestamp === EARLIEST_LOCAL_TIMESTAMP) {
          answer(ErrorCode.NONE, log.logStartOffset);
        } else if (p.timestamp === LATEST_TIERED_TIMESTAMP) answer(ErrorCode.NONE); // nothing is tiered: -1
        else if (p.timestamp === MAX_TIMESTAMP) {
          const hit = await log.offsetForMaxTimestamp();
          answer(ErrorCode.NONE, hit ? hit.offset : -1n, hit ? hit.timestamp : -1n);
        } else if (p.timestamp < 0n) answer(ErrorCode.INVALID_REQUEST);
        else {
          const hit = await log.offsetForTimestamp(p.timestamp);
          answer(ErrorCode.NONE, hit ? hit.offset : -1n, hit ? hit.timestamp : -1n);
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return encodeListOffsetsResponse(version, topics);
  },
};
