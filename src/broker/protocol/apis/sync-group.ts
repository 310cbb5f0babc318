import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** Sent by the leader only. Buffers are views into the request frame. */
  assignments: { memberId: string; assignment: Buffer }[];
}

/** SyncGroup v0-3 (v4 is flexible). */
export function decodeSyncGroupRequest(r: Reader, version: number): SyncGroupRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 3 ? r.nullableString() : null;
  const assignments = r.array((r) => ({ memberId: r.string(), assignment: r.bytes() }));
  return { groupId, generationId, memberId, groupInstanceId, assignments };
}

export interface SyncGroupResponse {
  errorCode: number;
  assignment: Uint8Array;
}

export function encodeSyncGroupResponse(version: number, res: SyncGroupResponse): Writer {
  const w = new Writer(64);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode).bytes(res.assignment);
  return w;
}
