import type { StoredMessage } from '../messages/store.js';

/** The JSON shape of one consumed message, shared by GET /api/messages and the live stream. */
export interface ApiMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  receivedAt: string;
  instance: string;
  group: string;
  /** Only on records that could not be decoded or processed: why, and which offsets. */
  undecodable?: { reason: string; firstOffset: string; lastOffset: string; records: number };
}

export function toApiMessage(m: StoredMessage): ApiMessage {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    receivedAt: m.receivedAt.toISOString(),
    instance: m.instance,
    group: m.group,
    // Absent on ordinary messages, so their shape stays what it always was.
    ...(m.undecodable ? { undecodable: m.undecodable } : {}),
  };
}
