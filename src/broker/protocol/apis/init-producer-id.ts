import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const INIT_PRODUCER_ID_FIRST_FLEXIBLE = 2;

/**
 * InitProducerId v0-v5; v2 turns flexible, v3 adds the current producer id/epoch (KIP-360), which
 * Kafka ignores for non-transactional producers (they always get a fresh id), and so do we.
 * v4-5 add only error codes.
 */
export function decodeInitProducerIdRequest(
  r: Reader,
  version: number,
): { transactionalId: string | null; transactionTimeoutMs: number } {
  r.flexible = version >= INIT_PRODUCER_ID_FIRST_FLEXIBLE;
  const transactionalId = r.fNullableString();
  const transactionTimeoutMs = r.int32();
  if (version >= 3) {
    r.int64(); // producer id
    r.int16(); // producer epoch
  }
  r.tags();
  return { transactionalId, transactionTimeoutMs };
}

export function encodeInitProducerIdResponse(version: number, errorCode: number, producerId: bigint, epoch: number): Writer {
  const w = new Writer(24).flex(version >= INIT_PRODUCER_ID_FIRST_FLEXIBLE);
  return w.int32(0).int16(errorCode).int64(producerId).int16(epoch).tags();
}
