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

/** OffsetCommit v2-7 (v8 is flexible; v0-1 predate group generations as used here). */
export function decodeOffsetCommitRequest(r: Reader, version: number): OffsetCommitRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 7 ? r.nullableString() : null;
  // v2-4 retention_time: Kafka ignores it since 2.1 (offsets follow the broker's retention), so do we.
  if (version <= 4) r.int64();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const index = r.int32();
      const offset = r.int64();
      const leaderEpoch = version >= 6 ? r.int32() : -1;
      return { index, offset, leaderEpoch, metadata: r.nullableString() };
    }),
  }));
  return { groupId, generationId, memberId, groupInstanceId, topics };
}

export interface OffsetCommitResponse {
  topics: { name: string; partitions: { index: number; errorCode: number }[] }[];
}

export function encodeOffsetCommitResponse(version: number, res: OffsetCommitResponse): Writer {
  const w = new Writer(64);
  if (version >= 3) w.int32(0); // throttle
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode);
    });
  });
  return w;
}
