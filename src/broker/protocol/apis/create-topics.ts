import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  hasAssignments: boolean;
  configs: { name: string; value: string | null }[];
}
export interface CreateTopicsRequest {
  topics: CreatableTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export const CREATE_TOPICS_FIRST_FLEXIBLE = 5;

/** CreateTopics v0-v7; v5 turns flexible and returns the topic's settings, v7 its id. */
export function decodeCreateTopicsRequest(r: Reader, version: number): CreateTopicsRequest {
  r.flexible = version >= CREATE_TOPICS_FIRST_FLEXIBLE;
  const topics = r.fArray((r) => {
    const name = r.fString();
    const numPartitions = r.int32();
    const replicationFactor = r.int16();
    const assignments = r.fArray((r) => {
      const a = { index: r.int32(), brokers: r.fArray((r) => r.int32()) };
      r.tags();
      return a;
    });
    const configs = r.fArray((r) => {
      const c = { name: r.fString(), value: r.fNullableString() };
      r.tags();
      return c;
    });
    r.tags();
    return { name, numPartitions, replicationFactor, hasAssignments: assignments.length > 0, configs };
  });
  const timeoutMs = r.int32();
  const validateOnly = version >= 1 ? r.boolean() : false;
  r.tags();
  return { topics, timeoutMs, validateOnly };
}

export interface CreateTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  /** v5+: the created (or validated) topic; absent on errors. */
  topicId?: string;
  numPartitions?: number;
  replicationFactor?: number;
  configs?: { name: string; value: string | null; readOnly: boolean; source: number; sensitive: boolean }[];
}

const NULL_UUID = '00000000-0000-0000-0000-000000000000';

export function encodeCreateTopicsResponse(version: number, results: CreateTopicResult[]): Writer {
  const w = new Writer(128).flex(version >= CREATE_TOPICS_FIRST_FLEXIBLE);
  if (version >= 2) w.int32(0);
  w.fArray(results, (w, t) => {
    w.fString(t.name);
    if (version >= 7) w.uuid(t.topicId ?? NULL_UUID);
    w.int16(t.errorCode);
    if (version >= 1) w.fNullableString(t.errorMessage);
    if (version >= 5) {
      w.int32(t.numPartitions ?? -1).int16(t.replicationFactor ?? -1);
      // Kafka sends an empty list (the field's default) with an error.
      w.fNullableArray(t.configs ?? [], (w, c) => {
        w.fString(c.name).fNullableString(c.value).boolean(c.readOnly).int8(c.source).boolean(c.sensitive).tags();
      });
    }
    w.tags();
  });
  return w.tags();
}
