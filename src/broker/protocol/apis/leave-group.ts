import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2 name exactly one member; v3 sends a batch. */
  members: { memberId: string; groupInstanceId: string | null }[];
}

/** LeaveGroup v0-3 (v4 is flexible). */
export function decodeLeaveGroupRequest(r: Reader, version: number): LeaveGroupRequest {
  const groupId = r.string();
  if (version < 3) return { groupId, members: [{ memberId: r.string(), groupInstanceId: null }] };
  const members = r.array((r) => ({ memberId: r.string(), groupInstanceId: r.nullableString() }));
  return { groupId, members };
}

export interface LeaveGroupResponse {
  errorCode: number;
  /** Written from v3 only. */
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export function encodeLeaveGroupResponse(version: number, res: LeaveGroupResponse): Writer {
  const w = new Writer(64);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode);
  if (version >= 3) {
    w.array(res.members, (w, m) => {
      w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode);
    });
  }
  return w;
}
