import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const DELETE_TOPICS_FIRST_FLEXIBLE = 4;
export const DELETE_TOPICS_FIRST_BY_ID = 6;
const NULL_UUID = '00000000-0000-0000-0000-000000000000';

/** A topic to delete: by name (all versions) or, from v6, by id with a null name. */
export interface DeleteTopicTarget {
  name: string | null;
  topicId: string | null;
}

/** DeleteTopics v0-v6; v4 turns flexible, v5 adds error messages, v6 topic ids. */
export function decodeDeleteTopicsRequest(r: Reader, version: number): { topics: DeleteTopicTarget[]; timeoutMs: number } {
  r.flexible = version >= DELETE_TOPICS_FIRST_FLEXIBLE;
  let topics: DeleteTopicTarget[];
  if (version >= DELETE_TOPICS_FIRST_BY_ID) {
    topics = r.fArray((r) => {
      const name = r.fNullableString();
      const id = r.uuid();
      r.tags();
      return { name, topicId: id === NULL_UUID ? null : id };
    });
  } else {
    topics = r.fArray((r) => ({ name: r.fString(), topicId: null }));
  }
  const timeoutMs = r.int32();
  r.tags();
  return { topics, timeoutMs };
}

export interface DeleteTopicResult {
  name: string | null;
  topicId: string | null;
  errorCode: number;
  errorMessage: string | null;
}

export function encodeDeleteTopicsResponse(version: number, results: DeleteTopicResult[]): Writer {
  const w = new Writer(128).flex(version >= DELETE_TOPICS_FIRST_FLEXIBLE);
  if (version >= 1) w.int32(0);
  w.fArray(results, (w, t) => {
    if (version >= DELETE_TOPICS_FIRST_BY_ID) w.fNullableString(t.name);
    else w.fString(t.name ?? '');
    if (version >= DELETE_TOPICS_FIRST_BY_ID) w.uuid(t.topicId ?? NULL_UUID);
    w.int16(t.errorCode);
    if (version >= 5) w.fNullableString(t.errorMessage);
    w.tags();
  });
  return w.tags();
}
