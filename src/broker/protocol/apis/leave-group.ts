import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface LeaveGroupRequest {
  groupId: string;
  /** v0-2 name exactly one member; v3 sends a batch. */
  members: { memberId: string; groupInstanceId: string | null }[];
}

export const LEAVE_GROUP_FIRST_FLEXIBLE = 4;

/** LeaveGroup v0-5; v4 turns flexible, v5 adds a per-member reason (read, not used). */
export function decodeLeaveGroupRequest(r: Reader, version: number): LeaveGroupRequest {
  r.flexible = version >= LEAVE_GROUP_FIRST_FLEXIBLE;
  const groupId = r.fString();
  if (version < 3) return { groupId, members: [{ memberId: r.fString(), groupInstanceId: null }] };
  const members = r.fArray((r) => {
    const memberId = r.fString();
    const groupInstanceId = r.fNullableString();
    if (version >= 5) r.fNullableString(); // reason
    r.tags();
    return { memberId, groupInstanceId };
  });
  r.tags();
  return { groupId, members };
}

export interface LeaveGroupResponse {
  errorCode: number;
  /** Written from v3 only. */
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export function encodeLeaveGroupResponse(version: number, res: LeaveGroupResponse): Writer {
  const w = new Writer(64).flex(version >= LEAVE_GROUP_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode);
  if (version >= 3) {
    w.fArray(res.members, (w, m) => {
      w.fString(m.memberId).fNullableString(m.groupInstanceId).int16(m.errorCode).tags();
    });
  }
  return w.tags();
}
