import { ApiKey } from '../protocol/api-keys.js';
import { decodeOffsetDeleteRequest, encodeOffsetDeleteResponse } from '../protocol/apis/offset-delete.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const offsetDeleteHandler: ApiHandler = {
  apiKey: ApiKey.OffsetDelete,
  name: 'OffsetDelete',
  minVersion: 0,
  maxVersion: 0,
  // Kafka defines no flexible version of OffsetDelete.
  firstFlexibleVersion: Number.POSITIVE_INFINITY,
  async handle(ctx, body) {
    const req = decodeOffsetDeleteRequest(body);
    // As in Kafka, partitions that do not exist are answered before the coordinator sees them.
    const missing = new Map<string, Set<number>>();
    const known = req.topics.map((t) => {
      const gone = new Set(t.partitions.filter((p) => !ctx.broker.logs.partition(t.name, p)));
      missing.set(t.name, gone);
      return { name: t.name, partitions: t.partitions.filter((p) => !gone.has(p)) };
    });
    const res = await ctx.broker.groups.deleteOffsets(req.groupId, known);
    if (res.errorCode !== ErrorCode.NONE) return encodeOffsetDeleteResponse(res.errorCode, []);
    ctx.broker.logger.info({ group: req.groupId }, 'deleted committed offsets');
    const topics = req.topics.map((t) => {
      const done = res.topics.find((x) => x.name === t.name)?.partitions ?? [];
      const gone = [...missing.get(t.name)!].map((index) => ({ index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }));
      return { name: t.name, partitions: [...done, ...gone] };
    });
    return encodeOffsetDeleteResponse(ErrorCode.NONE, topics);
  },
};
