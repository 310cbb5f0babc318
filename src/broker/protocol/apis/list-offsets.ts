import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
/** v7+ (KIP-734): the record with the largest timestamp. */
export const MAX_TIMESTAMP = -3n;
/** v8+ (KIP-405): the first offset still on local disk; without tiered storage the log start. */
export const EARLIEST_LOCAL_TIMESTAMP = -4n;
/** v9+ (KIP-1005): the last offset in tiered storage; without it Kafka answers -1. */
export const LATEST_TIERED_TIMESTAMP = -5n;

export const LIST_OFFSETS_FIRST_FLEXIBLE = 6;

export interface ListOffsetsRequest {
  topics: { name: string; partitions: { index: number; timestamp: bigint }[] }[];
}

/** ListOffsets v1-v9 (v0 used a different, multi-offset layout that no target client sends); v6 is flexible. */
export function decodeListOffsetsRequest(r: Reader, version: number): ListOffsetsRequest {
  r.flexible = version >= LIST_OFFSETS_FIRST_FLEXIBLE;
  r.int32(); // replica id
  if (version >= 2) r.int8(); // isolation level: no transactions, so committed == uncommitted
  const topics = r.fArray((r) => {
    const name = r.fString();
    const partitions = r.fArray((r) => {
      const index = r.int32();
      if (version >= 4) r.int32(); // current leader epoch
      const timestamp = r.int64();
      r.tags();
      return { index, timestamp };
    });
    r.tags();
    return { name, partitions };
  });
  r.tags();
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
  const w = new Writer(128).flex(version >= LIST_OFFSETS_FIRST_FLEXIBLE);
  if (version >= 2) w.int32(0);
  w.fArray(topics, (w, t) => {
    w.fString(t.name);
    w.fArray(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
      if (version >= 4) w.int32(-1); // leader epoch: not tracked
      w.tags();
    });
    w.tags();
  });
  w.tags();
  return w;
}
