import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** DeleteTopics v0-v3 (v4 turns flexible, v6 switches to topic ids). */
export function decodeDeleteTopicsRequest(r: Reader): { names: string[]; timeoutMs: number } {
  return { names: r.array((r) => r.string()), timeoutMs: r.int32() };
}

export function encodeDeleteTopicsResponse(version: number, results: { name: string; errorCode: number }[]): Writer {
  const w = new Writer(128);
  if (version >= 1) w.int32(0);
  w.array(results, (w, t) => {
    w.string(t.name).int16(t.errorCode);
  });
  return w;
}
