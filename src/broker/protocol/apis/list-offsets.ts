import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;

export interface ListOffsetsRequest {
  topics: { name: string; partitions: { index: number; timestamp: bigint }[] }[];
}

/** ListOffsets v1-v4 (v0 used a different, multi-offset layout that no target client sends). */
export function decodeListOffsetsRequest(r: Reader, version: number): ListOffsetsRequest {
  r.int32(); // replica id
  if (version >= 2) r.int8(); // isolation level: no transactions, so committed == uncommitted
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const index = r.int32();
      if (version >= 4) r.int32(); // current leader epoch
      return { index, timestamp: r.int64() };
    }),
  }));
  return { topics };
}

export interface ListOffsetsPartitionResult {
  index: number;
  errorCode: number;
  timestamp: bigint;
  offset: bigint;
}

export function encodeListOffsetsResponse(
  version: number,
  topics: { name: string; partitions: ListOffsetsPartitionResult[] }[],
): Writer {
  const w = new Writer(128);
  if (version >= 2) w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
      if (version >= 4) w.int32(0); // leader epoch
    });
  });
  return w;
}
