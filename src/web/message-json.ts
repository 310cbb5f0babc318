import type { StoredMessage } from '../messages/store.js';

/** The JSON shape of one consumed message, shared by GET /api/messages and the live stream. */
export interface ApiMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  receivedAt: string;
  /** The record's Kafka timestamp (ISO 8601), null when it has none. */
  timestamp: string | null;
  headers: Record<string, string>;
  instance: string;
  group: string;
  /** Only on records that could not be decoded or processed: why, and which offsets. */
  undecodable?: { reason: string; firstOffset: string; lastOffset: string; records: number };
}

/** A Kafka timestamp (ms as a decimal string) as ISO 8601; null when absent or out of range. */
export function kafkaTime(ms: string | undefined): string | null {
  const n = Number(ms);
  return ms !== undefined && Number.isFinite(n) && n >= 0 && n <= 8.64e15 ? new Date(n).toISOString() : null;
}

export function toApiMessage(m: StoredMessage): ApiMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    receivedAt: m.receivedAt.toISOString(),
    timestamp: kafkaTime(m.timestamp),
    headers: m.headers,
    instance: m.instance,
    group: m.group,
    // Absent on ordinary messages, so their shape stays what it always was.
    ...(m.undecodable ? { undecodable: m.undecodable } : {}),
  };
}
