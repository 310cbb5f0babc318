import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeOffsetFetchRequest,
  encodeOffsetFetchResponse,
  type OffsetFetchGroupRequest,
  type OffsetFetchGroupResult,
} from '../protocol/apis/offset-fetch.js';
import type { BrokerContext } from './types.js';
import type { ApiHandler } from './types.js';

function fetchGroup(broker: BrokerContext, version: number, req: OffsetFetchGroupRequest): OffsetFetchGroupResult {
  const requested = req.topics?.map((t) => ({ topic: t.name, partitions: t.partitions })) ?? null;
  const outcome = broker.groups.fetchOffsets(req.groupId, requested, { memberId: req.memberId, memberEpoch: req.memberEpoch });
  if (outcome.errorCode !== 0 && version < 2) {
    // v1 has no top-level error field, so a group-level failure goes on every partition.
    return {
      groupId: req.groupId,
      errorCode: outcome.errorCode,
      topics: (req.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitions.map((index) => ({ index, offset: -1n, metadata: '', errorCode: outcome.errorCode })),
      })),
    };
  }
  return {
    groupId: req.groupId,
    errorCode: outcome.errorCode,
    topics: outcome.topics.map((t) => ({
      name: t.topic,
      partitions: t.partitions.map((p) => ({
        index: p.partition,
        offset: p.offset,
        metadata: p.metadata,
        errorCode: p.errorCode,
      })),
    })),
  };
}

export const offsetFetchHandler: ApiHandler = {
  apiKey: ApiKey.OffsetFetch,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 9,
  firstFlexibleVersion: 6,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeOffsetFetchRequest(body, version);
    return encodeOffsetFetchResponse(
      version,
      req.groups.map((g) => fetchGroup(ctx.broker, version, g)),
    );
  },
};
