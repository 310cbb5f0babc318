import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface FetchPartitionRequest {
  index: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
}
export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: { name: string; partitions: FetchPartitionRequest[] }[];
}

/** Fetch v4-v11 (non-flexible). Fetch sessions (v7+) are accepted but every fetch is a full one. */
export function decodeFetchRequest(r: Reader, version: number): FetchRequest {
  r.int32(); // replica id: -1 for consumers
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  const isolationLevel = r.int8();
  if (version >= 7) {
    r.int32(); // session id
    r.int32(); // session epoch
  }
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => {
      const index = r.int32();
      if (version >= 9) r.int32(); // current leader epoch
      const fetchOffset = r.int64();
      if (version >= 5) r.int64(); // follower log start offset
      const partitionMaxBytes = r.int32();
      return { index, fetchOffset, partitionMaxBytes };
    }),
  }));
  if (version >= 7) r.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
  if (version >= 11) r.string(); // rack id
  return { maxWaitMs, minBytes, maxBytes, isolationLevel, topics };
}

export interface FetchPartitionResult {
  index: number;
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  records: Buffer;
}

export function encodeFetchResponse(
  version: number,
  topics: { name: string; partitions: FetchPartitionResult[] }[],
): Writer {
  const w = new Writer(256);
  w.int32(0); // throttle
  if (version >= 7) w.int16(0).int32(0); // top-level error, session id 0 = no session
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.highWatermark);
      w.int64(p.highWatermark); // last stable offset: no transactions, so it equals the high watermark
      if (version >= 5) w.int64(p.logStartOffset);
      w.int32(0); // aborted transactions: empty
      if (version >= 11) w.int32(-1); // preferred read replica: none, read from the leader
      w.bytes(p.records);
    });
  });
  return w;
}
