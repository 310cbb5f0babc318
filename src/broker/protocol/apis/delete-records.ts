import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface DeleteRecordsRequest {
  topics: { name: string; partitions: { index: number; offset: bigint }[] }[];
  timeoutMs: number;
}

export const DELETE_RECORDS_FIRST_FLEXIBLE = 2;

/** DeleteRecords v0-v2 (identical fields; v2 is flexible). */
export function decodeDeleteRecordsRequest(r: Reader, version: number): DeleteRecordsRequest {
  r.flexible = version >= DELETE_RECORDS_FIRST_FLEXIBLE;
  const topics = r.fArray((r) => {
    const name = r.fString();
    const partitions = r.fArray((r) => {
      const p = { index: r.int32(), offset: r.int64() };
      r.tags();
      return p;
    });
    r.tags();
    return { name, partitions };
  });
  const timeoutMs = r.int32();
  r.tags();
  return { topics, timeoutMs };
}

export function encodeDeleteRecordsResponse(
  version: number,
  topics: { name: string; partitions: { index: number; lowWatermark: bigint; errorCode: number }[] }[],
): Writer {
  const w = new Writer(128).flex(version >= DELETE_RECORDS_FIRST_FLEXIBLE);
  w.int32(0);
  w.fArray(topics, (w, t) => {
    w.fString(t.name);
    w.fArray(t.partitions, (w, p) => {
      w.int32(p.index).int64(p.lowWatermark).int16(p.errorCode).tags();
    });
    w.tags();
  });
  return w.tags();
}
