import { ApiKey } from '../protocol/api-keys.js';
import { decodeDeleteRecordsRequest, encodeDeleteRecordsResponse } from '../protocol/apis/delete-records.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError } from '../storage/log-manager.js';
import type { ApiHandler } from './types.js';

export const deleteRecordsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteRecords,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 2,
  async handle(ctx, body) {
    const req = decodeDeleteRecordsRequest(body, ctx.header.apiVersion);
    const topics = [];
    for (const t of req.topics) {
      const partitions = [];
      for (const p of t.partitions) {
        const log = ctx.broker.logs.partition(t.name, p.index);
        if (!log) {
          partitions.push({ index: p.index, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        try {
          const lowWatermark = await log.deleteRecordsBefore(p.offset);
          partitions.push({ index: p.index, lowWatermark, errorCode: ErrorCode.NONE });
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          partitions.push({ index: p.index, lowWatermark: -1n, errorCode: err.errorCode });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return encodeDeleteRecordsResponse(ctx.header.apiVersion, topics);
  },
};
