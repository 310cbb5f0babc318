import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface ProducePartitionData {
  index: number;
  records: Buffer | null;
}
export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topics: { name: string; partitions: ProducePartitionData[] }[];
}

export const PRODUCE_FIRST_FLEXIBLE = 9;

/**
 * Produce v0-v11. v0-2 have no transactional id and, in Kafka, may carry the old message formats;
 * only record batch v2 is stored here (the handler refuses older magics). v9 turns flexible; v10
 * (KIP-951 leader hints) and v11 (a new error code) do not change the request.
 */
export function decodeProduceRequest(r: Reader, version: number): ProduceRequest {
  r.flexible = version >= PRODUCE_FIRST_FLEXIBLE;
  const transactionalId = version >= 3 ? r.fNullableString() : null;
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topics = r.fArray((r) => {
    const name = r.fString();
    const partitions = r.fArray((r) => {
      const p = { index: r.int32(), records: r.fNullableBytes() };
      r.tags();
      return p;
    });
    r.tags();
    return { name, partitions };
  });
  r.tags();
  return { transactionalId, acks, timeoutMs, topics };
}

export interface ProducePartitionResult {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTime: bigint;
  logStartOffset: bigint;
}

export function encodeProduceResponse(
  version: number,
  topics: { name: string; partitions: ProducePartitionResult[] }[],
): Writer {
  const w = new Writer(128).flex(version >= PRODUCE_FIRST_FLEXIBLE);
  w.fArray(topics, (w, t) => {
    w.fString(t.name);
    w.fArray(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
      if (version >= 2) w.int64(p.logAppendTime);
      if (version >= 5) w.int64(p.logStartOffset);
      if (version >= 8) {
        // Per-record errors: a batch is refused whole, so there are none; no error message.
        w.fArray([] as number[], () => undefined);
        w.fNullableString(null);
      }
      // v10's CurrentLeader tag is only for NOT_LEADER answers, which a single node never gives.
      w.tags();
    });
    w.tags();
  });
  if (version >= 1) w.int32(0); // throttle time comes last in Produce responses
  w.tags();
  return w;
}
