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
  /** Why the record could not be decoded or processed; null for ordinary messages. */
  undecodable: { reason: string; firstOffset: string; lastOffset: string; records: number } | null;
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
    undecodable: m.undecodable ?? null,
  };
}
