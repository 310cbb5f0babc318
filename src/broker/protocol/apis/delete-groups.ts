import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** DeleteGroups v0-1 (v2 is flexible). */
export function decodeDeleteGroupsRequest(r: Reader, _version: number): { groups: string[] } {
  return { groups: r.array((r) => r.string()) };
}

export function encodeDeleteGroupsResponse(
  _version: number,
  results: { groupId: string; errorCode: number }[],
): Writer {
  const w = new Writer(64);
  w.int32(0); // throttle: present from v0 in this API
  w.array(results, (w, r) => {
    w.string(r.groupId).int16(r.errorCode);
  });
  return w;
}
