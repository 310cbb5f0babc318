import { ApiKey } from '../protocol/api-keys.js';
import { decodeOffsetCommitRequest, encodeOffsetCommitResponse } from '../protocol/apis/offset-commit.js';
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetCommitEntry } from '../groups/types.js';
import type { ApiHandler } from './types.js';

export const offsetCommitHandler: ApiHandler = {
  apiKey: ApiKey.OffsetCommit,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 9,
  firstFlexibleVersion: 8,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeOffsetCommitRequest(body, version);

    // Partitions that do not exist are refused before the group is consulted, as Kafka does;
    // everything else goes to the coordinator in one batch.
    const topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ index: p.index, errorCode: ErrorCode.NONE as number })),
    }));
    const entries: OffsetCommitEntry[] = [];
    const slots: { errorCode: number }[] = [];
    req.topics.forEach((t, ti) => {
      t.partitions.forEach((p, pi) => {
        const slot = topics[ti].partitions[pi];
        if (!ctx.broker.logs.partition(t.name, p.index)) {
          slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          return;
        }
        entries.push({ topic: t.name, partition: p.index, offset: p.offset, metadata: p.metadata });
        slots.push(slot);
      });
    });
    if (entries.length > 0) {
      const codes = await ctx.broker.groups.commitOffsets({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        apiVersion: version,
        entries,
      });
      codes.forEach((code, i) => (slots[i].errorCode = code));
    }
    return encodeOffsetCommitResponse(version, { topics });
  },
};
