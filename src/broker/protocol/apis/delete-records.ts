import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface DeleteRecordsRequest {
  topics: { name: string; partitions: { index: number; offset: bigint }[] }[];
  timeoutMs: number;
}

/** DeleteRecords v0-v1 (identical layouts; v2 turns flexible). */
export function decodeDeleteRecordsRequest(r: Reader): DeleteRecordsRequest {
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({ index: r.int32(), offset: r.int64() })),
  }));
  return { topics, timeoutMs: r.int32() };
}

export function encodeDeleteRecordsResponse(
  topics: { name: string; partitions: { index: number; lowWatermark: bigint; errorCode: number }[] }[],
): Writer {
  const w = new Writer(128);
  w.int32(0);
  w.array(topics, (w, t) => {
    w.string(t.name);
    w.array(t.partitions, (w, p) => {
      w.int32(p.index).int64(p.lowWatermark).int16(p.errorCode);
    });
  });
  return w;
}
