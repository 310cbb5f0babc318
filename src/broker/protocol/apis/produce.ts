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

/** Produce v3-v7 (all record batch v2; earlier versions carry the old message formats). */
export function decodeProduceRequest(r: Reader): ProduceRequest {
  const transactionalId = r.nullableString();
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ index: r.int32(), records: r.nullableBytes() })),
  }));
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
  const w = new Writer(128);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
      if (version >= 2) w.int64(p.logAppendTime);
      if (version >= 5) w.int64(p.logStartOffset);
    });
  });
  w.int32(0); // throttle time comes last in Produce responses
  return w;
}
