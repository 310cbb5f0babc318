import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface CreatePartitionsRequest {
  topics: { name: string; count: number; hasAssignments: boolean }[];
  timeoutMs: number;
  validateOnly: boolean;
}

/** CreatePartitions v0-v1 (identical layouts; v2 turns flexible). */
export function decodeCreatePartitionsRequest(r: Reader): CreatePartitionsRequest {
  const topics = r.array((r) => {
    const name = r.string();
    const count = r.int32();
    const assignments = r.nullableArray((r) => r.array((r) => r.int32()));
    return { name, count, hasAssignments: assignments !== null && assignments.length > 0 };
  });
  return { topics, timeoutMs: r.int32(), validateOnly: r.boolean() };
}

export function encodeCreatePartitionsResponse(
  results: { name: string; errorCode: number; errorMessage: string | null }[],
): Writer {
  const w = new Writer(128);
  w.int32(0);
  w.array(results, (w, t) => {
    w.string(t.name).int16(t.errorCode).nullableString(t.errorMessage);
  });
  return w;
}
