import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const COORDINATOR_KEY_GROUP = 0;
export const COORDINATOR_KEY_TRANSACTION = 1;

export interface FindCoordinatorRequest {
  key: string;
  /** 0 = consumer group, 1 = transactional id; v0 can only ask about groups. */
  keyType: number;
}

/** FindCoordinator v0-2 (v3 is flexible, v4 batches keys). */
export function decodeFindCoordinatorRequest(r: Reader, version: number): FindCoordinatorRequest {
  const key = r.string();
  const keyType = version >= 1 ? r.int8() : COORDINATOR_KEY_GROUP;
  return { key, keyType };
}

export interface FindCoordinatorResponse {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export function encodeFindCoordinatorResponse(version: number, res: FindCoordinatorResponse): Writer {
  const w = new Writer(64);
  if (version >= 1) w.int32(0); // throttle
  w.int16(res.errorCode);
  if (version >= 1) w.nullableString(res.errorMessage);
  w.int32(res.nodeId).string(res.host).int32(res.port);
  return w;
}
