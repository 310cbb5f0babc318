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
}

/** JoinGroup v0-5 (v6 is flexible). */
export function decodeJoinGroupRequest(r: Reader, version: number): JoinGroupRequest {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
  const memberId = r.string();
  const groupInstanceId = version >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array((r) => ({ name: r.string(), metadata: r.bytes() }));
  return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, groupInstanceId, protocolType, protocols };
}

export interface JoinGroupResponse {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export function encodeJoinGroupResponse(version: number, res: JoinGroupResponse): Writer {
  const w = new Writer(128);
  if (version >= 2) w.int32(0); // throttle
  w.int16(res.errorCode).int32(res.generationId).string(res.protocolName).string(res.leader).string(res.memberId);
  w.array(res.members, (w, m) => {
    w.string(m.memberId);
    if (version >= 5) w.nullableString(m.groupInstanceId);
    w.bytes(m.metadata);
  });
  return w;
}
