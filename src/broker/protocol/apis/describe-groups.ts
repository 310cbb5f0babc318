import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** DescribeGroups v0-2 (v3 adds authorized operations, v4 instance ids, v5 is flexible). */
export function decodeDescribeGroupsRequest(r: Reader, _version: number): { groups: string[] } {
  return { groups: r.array((r) => r.string()) };
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: {
    memberId: string;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }[];
}

export function encodeDescribeGroupsResponse(version: number, groups: DescribedGroup[]): Writer {
  const w = new Writer(256);
  if (version >= 1) w.int32(0); // throttle
  w.array(groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol);
    w.array(g.members, (w, m) => {
      w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment);
    });
  });
  return w;
}
