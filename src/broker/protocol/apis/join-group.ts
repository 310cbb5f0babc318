import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** -1 on v0, which has no such field. */
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  /** Metadata buffers are views into the request frame. */
  protocols: { name: string; metadata: Buffer }[];
  /** v8+ (KIP-800): why the member (re)joins; logged only. */
  reason: string | null;
}

export const JOIN_GROUP_FIRST_FLEXIBLE = 6;

/** JoinGroup v0-9; v6 turns flexible, v7 returns the protocol type, v8 adds a reason, v9 skip_assignment. */
export function decodeJoinGroupRequest(r: Reader, version: number): JoinGroupRequest {
  r.flexible = version >= JOIN_GROUP_FIRST_FLEXIBLE;
  const groupId = r.fString();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
  const memberId = r.fString();
  const groupInstanceId = version >= 5 ? r.fNullableString() : null;
  const protocolType = r.fString();
  const protocols = r.fArray((r) => {
    const p = { name: r.fString(), metadata: r.fBytes() };
    r.tags();
    return p;
  });
  const reason = version >= 8 ? r.fNullableString() : null;
  r.tags();
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols, reason };
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolName: string;
  protocolType: string | null;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export function encodeJoinGroupResponse(version: number, res: JoinGroupResponse): Writer {
  const w = new Writer(128).flex(version >= JOIN_GROUP_FIRST_FLEXIBLE);
  if (version >= 2) w.int32(0); // throttle
  w.int16(res.errorCode).int32(res.generationId);
  if (version >= 7) {
    // Nullable from v7: an error answer names no protocol, as Kafka's does.
    w.fNullableString(res.protocolType || null);
    w.fNullableString(res.protocolName || null);
  } else {
    w.fString(res.protocolName);
  }
  w.fString(res.leader);
  // v9: the static-member leader rejoin of KIP-814 is not implemented, so the leader always assigns.
  if (version >= 9) w.boolean(false);
  w.fString(res.memberId);
  w.fArray(res.members, (w, m) => {
    w.fString(m.memberId);
    if (version >= 5) w.fNullableString(m.groupInstanceId);
    w.fBytes(m.metadata).tags();
  });
  w.tags();
  return w;
}
