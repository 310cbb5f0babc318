import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export const HEARTBEAT_FIRST_FLEXIBLE = 4;

/** Heartbeat v0-4 (v4 is flexible). */
export function decodeHeartbeatRequest(r: Reader, version: number): HeartbeatRequest {
  r.flexible = version >= HEARTBEAT_FIRST_FLEXIBLE;
  const groupId = r.fString();
  const generationId = r.int32();
  const memberId = r.fString();
  const groupInstanceId = version >= 3 ? r.fNullableString() : null;
  r.tags();
  return { groupId, generationId, memberId, groupInstanceId };
}

export function encodeHeartbeatResponse(version: number, errorCode: number): Writer {
  const w = new Writer(8).flex(version >= HEARTBEAT_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0); // throttle
  return w.int16(errorCode).tags();
}
