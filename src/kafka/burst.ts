import type { ProduceRequest, ProduceResult } from './producer-service.js';

/**
 * "Send N messages": a burst for watching a group share work. Sends go through the producer
 * service one by one, but many at a time, so its send coalescer packs them into few produce
 * requests (one batch per partition per request). The window bounds what is in flight, in
 * messages and in bytes, so a burst of large messages never holds all of them at once.
 */
export interface BurstRequest {
  topic: string;
  count: number;
  /** undefined: a random key per message (the producer service makes a UUID). */
  keyPrefix: string | undefined;
  value: string;
  headers?: Record<string, string>;
  partition?: number;
}

export interface BurstResult {
  sent: number;
  failed: number;
  /** Acknowledged messages per partition, by partition number. */
  partitions: Array<{ partition: number; count: number }>;
  firstError?: { kind: string; message: string };
}

const WINDOW_MESSAGES = 500;
const WINDOW_BYTES = 4 * 1024 * 1024;

export async function sendBurst(send: (r: ProduceRequest) => Promise<ProduceResult>, req: BurstRequest): Promise<BurstResult> {
  const byPartition = new Map<number, number>();
  let sent = 0;
  let failed = 0;
  let firstError: BurstResult['firstError'];
  let headerBytes = 0;
  for (const [k, v] of Object.entries(req.headers ?? {})) headerBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  const size = Buffer.byteLength(req.value) + (req.keyPrefix?.length ?? 36) + 8 + headerBytes;
  const window = Math.max(1, Math.min(WINDOW_MESSAGES, Math.floor(WINDOW_BYTES / size)));

  let next = 1;
  const worker = async () => {
    while (next <= req.count) {
      const i = next++;
      const r = await send({
        topic: req.topic,
        key: req.keyPrefix === undefined ? undefined : `${req.keyPrefix}-${i}`,
        value: req.value,
        headers: req.headers,
        partition: req.partition,
      });
      if (r.ok) {
        sent++;
        byPartition.set(r.record.partition, (byPartition.get(r.record.partition) ?? 0) + 1);
      } else {
        failed++;
        firstError ??= { kind: r.error.kind, message: r.error.message };
        // Kafka is gone or refuses: stop rather than wait out a timeout per remaining message.
        if (r.error.kind !== 'too_large') next = req.count + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, req.count) }, worker));
  // Messages never attempted after a stop count as not sent.
  failed = req.count - sent;
  const partitions = [...byPartition].sort((a, b) => a[0] - b[0]).map(([partition, count]) => ({ partition, count }));
  return { sent, failed, partitions, firstError };
}
