import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+ (KIP-559): what the member believes the group runs; checked against the group's. */
  protocolType: string | null;
  protocolName: string | null;
  /** Sent by the leader only. Buffers are views into the request frame. */
  assignments: { memberId: string; assignment: Buffer }[];
}

export const SYNC_GROUP_FIRST_FLEXIBLE = 4;

/** SyncGroup v0-5; v4 turns flexible, v5 carries the protocol type and name both ways. */
export function decodeSyncGroupRequest(r: Reader, version: number): SyncGroupRequest {
  r.flexible = version >= SYNC_GROUP_FIRST_FLEXIBLE;
  const groupId = r.fString();
  const generationId = r.int32();
  const memberId = r.fString();
  const groupInstanceId = version >= 3 ? r.fNullableString() : null;
  const protocolType = version >= 5 ? r.fNullableString() : null;
  const protocolName = version >= 5 ? r.fNullableString() : null;
  const assignments = r.fArray((r) => {
    const a = { memberId: r.fString(), assignment: r.fBytes() };
    r.tags();
    return a;
  });
  r.tags();
  return { groupId, generationId, memberId, groupInstanceId, protocolType, protocolName, assignments };
}

export interface SyncGroupResponse {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export function encodeSyncGroupResponse(version: number, res: SyncGroupResponse): Writer {
  const w = new Writer(64).flex(version >= SYNC_GROUP_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode);
  if (version >= 5) w.fNullableString(res.protocolType).fNullableString(res.protocolName);
  w.fBytes(res.assignment).tags();
  return w;
}
