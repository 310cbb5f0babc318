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

/** CreateTopics v0-v4 (v5 turns flexible). */
export function decodeCreateTopicsRequest(r: Reader, version: number): CreateTopicsRequest {
  const topics = r.array((r) => {
    const name = r.string();
    const numPartitions = r.int32();
    const replicationFactor = r.int16();
    const assignments = r.array((r) => ({ index: r.int32(), brokers: r.array((r) => r.int32()) }));
    const configs = r.array((r) => ({ name: r.string(), value: r.nullableString() }));
    return { name, numPartitions, replicationFactor, hasAssignments: assignments.length > 0, configs };
  });
  const timeoutMs = r.int32();
  const validateOnly = version >= 1 ? r.boolean() : false;
  return { topics, timeoutMs, validateOnly };
}

export interface CreateTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export function encodeCreateTopicsResponse(version: number, results: CreateTopicResult[]): Writer {
  const w = new Writer(128);
  if (version >= 2) w.int32(0);
  w.array(results, (w, t) => {
    w.string(t.name).int16(t.errorCode);
    if (version >= 1) w.nullableString(t.errorMessage);
  });
  return w;
}
