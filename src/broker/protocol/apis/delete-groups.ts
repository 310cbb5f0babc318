import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const DELETE_GROUPS_FIRST_FLEXIBLE = 2;

/** DeleteGroups v0-2 (v2 is flexible). */
export function decodeDeleteGroupsRequest(r: Reader, version: number): { groups: string[] } {
  r.flexible = version >= DELETE_GROUPS_FIRST_FLEXIBLE;
  const groups = r.fArray((r) => r.fString());
  r.tags();
  return { groups };
}

export function encodeDeleteGroupsResponse(
  version: number,
  results: { groupId: string; errorCode: number }[],
): Writer {
  const w = new Writer(64).flex(version >= DELETE_GROUPS_FIRST_FLEXIBLE);
  w.int32(0); // throttle: present from v0 in this API
  w.fArray(results, (w, r) => {
    w.fString(r.groupId).int16(r.errorCode).tags();
  });
  return w.tags();
}
