import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface OffsetFetchRequest {
  groupId: string;
  /** null (v2+) asks for every partition the group has committed. */
  topics: { name: string; partitions: number[] }[] | null;
}

/** OffsetFetch v1-5 (v6 is flexible; v0 read offsets from ZooKeeper). */
export function decodeOffsetFetchRequest(r: Reader, version: number): OffsetFetchRequest {
  const groupId = r.string();
  const readTopic = (r: Reader) => ({ name: r.string(), partitions: r.array((r) => r.int32()) });
  const topics = version >= 2 ? r.nullableArray(readTopic) : r.array(readTopic);
  return { groupId, topics };
}

export interface OffsetFetchResponse {
  /** Written from v2 only; the handler folds it into the partitions for v1. */
  errorCode: number;
  topics: {
    name: string;
    partitions: { index: number; offset: bigint; metadata: string | null; errorCode: number }[];
  }[];
}

export function encodeOffsetFetchResponse(version: number, res: OffsetFetchResponse): Writer {
  const w = new Writer(128);
  if (version >= 3) w.int32(0); // throttle
  w.array(res.topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int64(p.offset);
      if (version >= 5) w.int32(-1); // committed leader epoch: not tracked
      w.nullableString(p.metadata).int16(p.errorCode);
    });
  });
  if (version >= 2) w.int16(res.errorCode);
  return w;
}
