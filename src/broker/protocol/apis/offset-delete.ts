import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface OffsetDeleteRequest {
  groupId: string;
  topics: { name: string; partitions: number[] }[];
}

/** OffsetDelete v0 (KIP-496), Kafka 3.9.1's only version; it has no flexible version. */
export function decodeOffsetDeleteRequest(r: Reader): OffsetDeleteRequest {
  const groupId = r.string();
  const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
  return { groupId, topics };
}

export function encodeOffsetDeleteResponse(
  errorCode: number,
  topics: { name: string; partitions: { index: number; errorCode: number }[] }[],
): Writer {
  const w = new Writer(64);
  w.int16(errorCode).int32(0); // top-level error, then throttle
  w.array(topics, (w, t) => {
    w.string(t.name).array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode);
    });
  });
  return w;
}
