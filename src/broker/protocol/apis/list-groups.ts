import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** ListGroups v0-2 requests have no fields (v4 adds a state filter). */
export function decodeListGroupsRequest(_r: Reader, _version: number): Record<string, never> {
  return {};
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: { groupId: string; protocolType: string }[];
}

export function encodeListGroupsResponse(version: number, res: ListGroupsResponse): Writer {
  const w = new Writer(128);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode);
  w.array(res.groups, (w, g) => {
    w.string(g.groupId).string(g.protocolType);
  });
  return w;
}
