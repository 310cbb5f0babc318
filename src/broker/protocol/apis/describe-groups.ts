import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const DESCRIBE_GROUPS_FIRST_FLEXIBLE = 5;

/** DescribeGroups v0-5; v3 adds authorized operations, v4 instance ids, v5 is flexible. */
export function decodeDescribeGroupsRequest(r: Reader, version: number): { groups: string[] } {
  r.flexible = version >= DESCRIBE_GROUPS_FIRST_FLEXIBLE;
  const groups = r.fArray((r) => r.fString());
  if (version >= 3) r.boolean(); // include authorized operations: no ACLs, nothing to report
  r.tags();
  return { groups };
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }[];
}

export function encodeDescribeGroupsResponse(version: number, groups: DescribedGroup[]): Writer {
  const w = new Writer(256).flex(version >= DESCRIBE_GROUPS_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0); // throttle
  w.fArray(groups, (w, g) => {
    w.int16(g.errorCode).fString(g.groupId).fString(g.state).fString(g.protocolType).fString(g.protocol);
    w.fArray(g.members, (w, m) => {
      w.fString(m.memberId);
      if (version >= 4) w.fNullableString(m.groupInstanceId);
      w.fString(m.clientId).fString(m.clientHost).fBytes(m.metadata).fBytes(m.assignment).tags();
    });
    if (version >= 3) w.int32(-2147483648); // authorized operations: not requested / no ACLs
    w.tags();
  });
  return w.tags();
}
