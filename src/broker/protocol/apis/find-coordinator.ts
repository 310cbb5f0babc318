import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const COORDINATOR_KEY_GROUP = 0;
export const COORDINATOR_KEY_TRANSACTION = 1;

export const FIND_COORDINATOR_FIRST_FLEXIBLE = 3;
export const FIND_COORDINATOR_FIRST_BATCHED = 4;

export interface FindCoordinatorRequest {
  /** One key before v4; v4+ (KIP-699) batch several of the same type. */
  keys: string[];
  /** 0 = consumer group, 1 = transactional id, 2 = share group (v6); v0 can only ask about groups. */
  keyType: number;
}

/** FindCoordinator v0-6; v3 turns flexible, v4 batches keys, v5-6 add only error codes and key types. */
export function decodeFindCoordinatorRequest(r: Reader, version: number): FindCoordinatorRequest {
  r.flexible = version >= FIND_COORDINATOR_FIRST_FLEXIBLE;
  if (version >= FIND_COORDINATOR_FIRST_BATCHED) {
    const keyType = r.int8();
    const keys = r.fArray((r) => r.fString());
    r.tags();
    return { keys, keyType };
  }
  const key = r.fString();
  const keyType = version >= 1 ? r.int8() : COORDINATOR_KEY_GROUP;
  r.tags();
  return { keys: [key], keyType };
}

export interface Coordinator {
  key: string;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export function encodeFindCoordinatorResponse(version: number, coordinators: Coordinator[]): Writer {
  const w = new Writer(64).flex(version >= FIND_COORDINATOR_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0); // throttle
  if (version >= FIND_COORDINATOR_FIRST_BATCHED) {
    w.fArray(coordinators, (w, c) => {
      w.fString(c.key).int32(c.nodeId).fString(c.host).int32(c.port).int16(c.errorCode);
      w.fNullableString(c.errorMessage).tags();
    });
  } else {
    const c = coordinators[0];
    w.int16(c.errorCode);
    if (version >= 1) w.fNullableString(c.errorMessage);
    w.int32(c.nodeId).fString(c.host).int32(c.port);
  }
  w.tags();
  return w;
}
