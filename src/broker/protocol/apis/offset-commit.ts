import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: {
    name: string;
    partitions: { index: number; offset: bigint; leaderEpoch: number; metadata: string | null }[];
  }[];
}

export const OFFSET_COMMIT_FIRST_FLEXIBLE = 8;

/**
 * OffsetCommit v2-9 (v0-1 predate group generations as used here). v8 turns flexible; v9 only
 * lets KIP-848 consumers send a member epoch in the generation field, which classic groups read
 * as the generation, as Kafka does.
 */
export function decodeOffsetCommitRequest(r: Reader, version: number): OffsetCommitRequest {
  r.flexible = version >= OFFSET_COMMIT_FIRST_FLEXIBLE;
  const groupId = r.fString();
  const generationId = r.int32();
  const memberId = r.fString();
  const groupInstanceId = version >= 7 ? r.fNullableString() : null;
  // v2-4 retention_time: Kafka ignores it since 2.1 (offsets follow the broker's retention), so do we.
  if (version <= 4) r.int64();
  const topics = r.fArray((r) => {
    const name = r.fString();
    const partitions = r.fArray((r) => {
      const index = r.int32();
      const offset = r.int64();
      const leaderEpoch = version >= 6 ? r.int32() : -1;
      const metadata = r.fNullableString();
      r.tags();
      return { index, offset, leaderEpoch, metadata };
    });
    r.tags();
    return { name, partitions };
  });
  r.tags();
  return { groupId, generationId, memberId, groupInstanceId, topics };
}

export interface OffsetCommitResponse {
  topics: { name: string; partitions: { index: number; errorCode: number }[] }[];
}

export function encodeOffsetCommitResponse(version: number, res: OffsetCommitResponse): Writer {
  const w = new Writer(64).flex(version >= OFFSET_COMMIT_FIRST_FLEXIBLE);
  if (version >= 3) w.int32(0); // throttle
  w.fArray(res.topics, (w, t) => {
    w.fString(t.name);
    w.fArray(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).tags();
    });
    w.tags();
  });
  w.tags();
  return w;
}
