import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

/** Heartbeat v0-3 (v4 is flexible). */
export function decodeHeartbeatRequest(r: Reader, version: number): HeartbeatRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 3 ? r.nullableString() : null;
  return { groupId, generationId, memberId, groupInstanceId };
}

export function encodeHeartbeatResponse(version: number, errorCode: number): Writer {
  const w = new Writer(8);
  if (version >= 1) w.int32(0); // throttle
  w.int16(errorCode);
  return w;
}
