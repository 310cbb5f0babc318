import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface OffsetFetchGroupRequest {
  groupId: string;
  /** v9+ (KIP-848): checked against consumer-protocol groups only; null / -1 otherwise. */
  memberId: string | null;
  memberEpoch: number;
  /** null (v2+) asks for every partition the group has committed. */
  topics: { name: string; partitions: number[] }[] | null;
}
export interface OffsetFetchRequest {
  /** Exactly one group before v8; v8+ may batch several. */
  groups: OffsetFetchGroupRequest[];
}

export const OFFSET_FETCH_FIRST_FLEXIBLE = 6;
export const OFFSET_FETCH_FIRST_BATCHED = 8;

/**
 * OffsetFetch v1-9 (v0 read offsets from ZooKeeper). v6 turns flexible, v7 adds require_stable
 * (no transactions, so every offset is stable), v8 batches groups, v9 adds the KIP-848 member
 * id/epoch, checked only for consumer-protocol groups (as Kafka does).
 */
export function decodeOffsetFetchRequest(r: Reader, version: number): OffsetFetchRequest {
  r.flexible = version >= OFFSET_FETCH_FIRST_FLEXIBLE;
  const readTopic = (r: Reader) => {
    const name = r.fString();
    const partitions = r.fArray((r) => r.int32());
    r.tags();
    return { name, partitions };
  };
  let groups: OffsetFetchGroupRequest[];
  if (version < OFFSET_FETCH_FIRST_BATCHED) {
    const groupId = r.fString();
    const topics = version >= 2 ? r.fNullableArray(readTopic) : r.array(readTopic);
    groups = [{ groupId, memberId: null, memberEpoch: -1, topics }];
  } else {
    groups = r.fArray((r) => {
      const groupId = r.fString();
      const memberId = version >= 9 ? r.fNullableString() : null;
      const memberEpoch = version >= 9 ? r.int32() : -1;
      const topics = r.fNullableArray(readTopic);
      r.tags();
      return { groupId, memberId, memberEpoch, topics };
    });
  }
  if (version >= 7) r.boolean(); // require stable
  r.tags();
  return { groups };
}

export interface OffsetFetchGroupResult {
  groupId: string;
  /** Written from v2 only; the handler folds it into the partitions for v1. */
  errorCode: number;
  topics: {
    name: string;
    partitions: { index: number; offset: bigint; metadata: string | null; errorCode: number }[];
  }[];
}

export function encodeOffsetFetchResponse(version: number, groups: OffsetFetchGroupResult[]): Writer {
  const w = new Writer(128).flex(version >= OFFSET_FETCH_FIRST_FLEXIBLE);
  const writeTopics = (w: Writer, topics: OffsetFetchGroupResult['topics']) => {
    w.fArray(topics, (w, t) => {
      w.fString(t.name);
      w.fArray(t.partitions, (w, p) => {
        w.int32(p.index).int64(p.offset);
        if (version >= 5) w.int32(-1); // committed leader epoch: not tracked
        w.fNullableString(p.metadata).int16(p.errorCode).tags();
      });
      w.tags();
    });
  };
  if (version >= 3) w.int32(0); // throttle
  if (version < OFFSET_FETCH_FIRST_BATCHED) {
    const g = groups[0];
    writeTopics(w, g.topics);
    if (version >= 2) w.int16(g.errorCode);
  } else {
    w.fArray(groups, (w, g) => {
      w.fString(g.groupId);
      writeTopics(w, g.topics);
      w.int16(g.errorCode).tags();
    });
  }
  w.tags();
  return w;
}
