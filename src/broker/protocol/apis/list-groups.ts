import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const LIST_GROUPS_FIRST_FLEXIBLE = 3;

export interface ListGroupsRequest {
  /** v4+ (KIP-518): only groups in these states; empty = all. */
  statesFilter: string[];
  /** v5+ (KIP-848): only groups of these types; empty = all. */
  typesFilter: string[];
}

/** ListGroups v0-5; v3 turns flexible, v4 filters by state, v5 by group type. */
export function decodeListGroupsRequest(r: Reader, version: number): ListGroupsRequest {
  r.flexible = version >= LIST_GROUPS_FIRST_FLEXIBLE;
  const statesFilter = version >= 4 ? r.fArray((r) => r.fString()) : [];
  const typesFilter = version >= 5 ? r.fArray((r) => r.fString()) : [];
  r.tags();
  return { statesFilter, typesFilter };
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: { groupId: string; protocolType: string; state: string; type: string }[];
}

export function encodeListGroupsResponse(version: number, res: ListGroupsResponse): Writer {
  const w = new Writer(128).flex(version >= LIST_GROUPS_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode);
  w.fArray(res.groups, (w, g) => {
    w.fString(g.groupId).fString(g.protocolType);
    if (version >= 4) w.fString(g.state);
    if (version >= 5) w.fString(g.type);
    w.tags();
  });
  return w.tags();
}
