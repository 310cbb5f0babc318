import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeListOffsetsRequest,
  EARLIEST_TIMESTAMP,
  encodeListOffsetsResponse,
  LATEST_TIMESTAMP,
  type ListOffsetsPartitionResult,
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
        if (!log) {
          partitions.push({ index: p.index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1n, offset: -1n });
        } else if (p.timestamp === LATEST_TIMESTAMP) {
          partitions.push({ index: p.index, errorCode: ErrorCode.NONE, timestamp: -1n, offset: log.highWatermark });
        } else if (p.timestamp === EARLIEST_TIMESTAMP) {
          partitions.push({ index: p.index, errorCode: ErrorCode.NONE, timestamp: -1n, offset: log.logStartOffset });
        } else if (p.timestamp < 0n) {
          partitions.push({ index: p.index, errorCode: ErrorCode.INVALID_REQUEST, timestamp: -1n, offset: -1n });
        } else {
          const hit = await log.offsetForTimestamp(p.timestamp);
          partitions.push({
            index: p.index,
            errorCode: ErrorCode.NONE,
            timestamp: hit ? hit.timestamp : -1n,
            offset: hit ? hit.offset : -1n,
          });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return encodeListOffsetsResponse(version, topics);
  },
};
