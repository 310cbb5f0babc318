import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface CreatePartitionsRequest {
  topics: { name: string; count: number; hasAssignments: boolean }[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const CREATE_PARTITIONS_FIRST_FLEXIBLE = 2;

/** CreatePartitions v0-v3 (identical fields; v2 turns flexible). */
export function decodeCreatePartitionsRequest(r: Reader, version: number): CreatePartitionsRequest {
  r.flexible = version >= CREATE_PARTITIONS_FIRST_FLEXIBLE;
  const topics = r.fArray((r) => {
    const name = r.fString();
    const count = r.int32();
    const assignments = r.fNullableArray((r) => {
      const ids = r.fArray((r) => r.int32());
      r.tags();
      return ids;
    });
    r.tags();
    return { name, count, hasAssignments: assignments !== null && assignments.length > 0 };
  });
  const timeoutMs = r.int32();
  const validateOnly = r.boolean();
  r.tags();
  return { topics, timeoutMs, validateOnly };
}

export function encodeCreatePartitionsResponse(
  version: number,
  results: { name: string; errorCode: number; errorMessage: string | null }[],
): Writer {
  const w = new Writer(128).flex(version >= CREATE_PARTITIONS_FIRST_FLEXIBLE);
  w.int32(0);
  w.fArray(results, (w, t) => {
    w.fString(t.name).int16(t.errorCode).fNullableString(t.errorMessage).tags();
  });
  return w.tags();
}
