import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { ErrorCode } from '../errors.js';

export interface FetchPartitionRequest {
  index: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
}
export interface FetchTopicRequest {
  /** v0-12 name topics; v13+ send the topic id instead and the handler resolves the name. */
  name: string | null;
  topicId: string | null;
  partitions: FetchPartitionRequest[];
}
export interface FetchRequest {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  topics: FetchTopicRequest[];
}

export const FETCH_FIRST_FLEXIBLE = 12;
export const FETCH_FIRST_TOPIC_ID = 13;

/**
 * Fetch v4-v17. Fetch sessions (v7+) are accepted but every fetch is a full one. v12 turns
 * flexible, v13 names topics by id, v15 moves the replica id into a tag (consumers send none),
 * v16-17 add only tagged fields a consumer does not need.
 */
export function decodeFetchRequest(r: Reader, version: number): FetchRequest {
  r.flexible = version >= FETCH_FIRST_FLEXIBLE;
  if (version <= 14) r.int32(); // replica id: -1 for consumers
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  const isolationLevel = r.int8();
  if (version >= 7) {
    r.int32(); // session id
    r.int32(); // session epoch
  }
  const byId = version >= FETCH_FIRST_TOPIC_ID;
  const topics = r.fArray((r): FetchTopicRequest => {
    const name = byId ? null : r.fString();
    const topicId = byId ? r.uuid() : null;
    const partitions = r.fArray((r) => {
      const index = r.int32();
      if (version >= 9) r.int32(); // current leader epoch
      const fetchOffset = r.int64();
      if (version >= 12) r.int32(); // last fetched epoch: followers only
      if (version >= 5) r.int64(); // follower log start offset
      const partitionMaxBytes = r.int32();
      r.tags();
      return { index, fetchOffset, partitionMaxBytes };
    });
    r.tags();
    return { name, topicId, partitions };
  });
  if (version >= 7) {
    r.fArray((r) => {
      if (byId) r.uuid();
      else r.fString();
      r.fArray((r) => r.int32());
      r.tags();
    });
  }
  if (version >= 11) r.fString(); // rack id
  r.tags();
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
  topics: { name: string; topicId: string; partitions: FetchPartitionResult[] }[],
  isolationLevel = 0,
): Writer {
  const w = new Writer(256).flex(version >= FETCH_FIRST_FLEXIBLE);
  w.int32(0); // throttle
  if (version >= 7) w.int16(0).int32(0); // top-level error, session id 0 = no session
  w.fArray(topics, (w, t) => {
    if (version >= FETCH_FIRST_TOPIC_ID) w.uuid(t.topicId);
    else w.fString(t.name);
    w.fArray(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.highWatermark);
      w.int64(p.highWatermark); // last stable offset: no transactions, so it equals the high watermark
      if (version >= 5) w.int64(p.logStartOffset);
      // Aborted transactions: Kafka sends null for a partition it read for a read_uncommitted
      // consumer, and an (here always empty) list to read_committed ones and for unknown partitions.
      const unknown = p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || p.errorCode === ErrorCode.UNKNOWN_TOPIC_ID;
      w.fNullableArray(isolationLevel === 0 && !unknown ? null : ([] as number[]), () => undefined);
      if (version >= 11) w.int32(-1); // preferred read replica: none, read from the leader
      w.fBytes(p.records);
      w.tags();
    });
    w.tags();
  });
  w.tags();
  return w;
}
