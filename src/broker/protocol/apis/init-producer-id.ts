import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** InitProducerId v0-v1 (identical layouts; v2 turns flexible). */
export function decodeInitProducerIdRequest(r: Reader): { transactionalId: string | null; transactionTimeoutMs: number } {
  return { transactionalId: r.nullableString(), transactionTimeoutMs: r.int32() };
}

export function encodeInitProducerIdResponse(errorCode: number, producerId: bigint, epoch: number): Writer {
  return new Writer(24).int32(0).int16(errorCode).int64(producerId).int16(epoch);
}
