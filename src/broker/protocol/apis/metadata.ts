import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const METADATA_FIRST_FLEXIBLE = 9;
export const NULL_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

export interface MetadataRequestTopic {
  /** null from v10 when the topic is named by id (honoured from v12, as in Kafka). */
  name: string | null;
  topicId: string | null;
}
export interface MetadataRequest {
  /** null: every topic. */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
}

/** Metadata v0-v12; v9 turns flexible, v10 adds topic ids, v12 lets a topic be asked for by id alone. */
export function decodeMetadataRequest(r: Reader, version: number): MetadataRequest {
  r.flexible = version >= METADATA_FIRST_FLEXIBLE;
  let topics: MetadataRequestTopic[] | null;
  const readTopic = (r: Reader): MetadataRequestTopic => {
    const topicId = version >= 10 ? r.uuid() : null;
    const name = version >= 10 ? r.fNullableString() : r.fString();
    r.tags();
    return { name, topicId: topicId === NULL_TOPIC_ID ? null : topicId };
  };
  if (version === 0) {
    const list = r.array(readTopic);
    topics = list.length === 0 ? null : list; // v0: an empty list means all topics
  } else {
    topics = r.fNullableArray(readTopic);
  }
  const allowAutoTopicCreation = version >= 4 ? r.boolean() : true;
  if (version >= 8 && version <= 10) r.boolean(); // include cluster authorized operations
  if (version >= 8) r.boolean(); // include topic authorized operations: no ACLs, nothing to report
  r.tags();
  return { topics, allowAutoTopicCreation };
}

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
}
export interface MetadataPartition {
  errorCode: number;
  index: number;
  leaderId: number;
  replicas: number[];
  isr: number[];
}
export interface MetadataTopic {
  errorCode: number;
  name: string | null;
  topicId: string;
  partitions: MetadataPartition[];
}
export interface MetadataResponse {
  brokers: MetadataBroker[];
  clusterId: string;
  controllerId: number;
  topics: MetadataTopic[];
}

/** Kafka's "authorized operations not requested" marker. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export function encodeMetadataResponse(version: number, res: MetadataResponse): Writer {
  const w = new Writer(256).flex(version >= METADATA_FIRST_FLEXIBLE);
  const ints = (w: Writer, id: number) => void w.int32(id);
  if (version >= 3) w.int32(0);
  w.fArray(res.brokers, (w, b) => {
    w.int32(b.nodeId).fString(b.host).int32(b.port);
    if (version >= 1) w.fNullableString(null); // rack
    w.tags();
  });
  if (version >= 2) w.fNullableString(res.clusterId);
  if (version >= 1) w.int32(res.controllerId);
  w.fArray(res.topics, (w, t) => {
    w.int16(t.errorCode);
    if (version >= 12) w.fNullableString(t.name);
    else w.fString(t.name ?? '');
    if (version >= 10) w.uuid(t.topicId);
    if (version >= 1) w.boolean(false); // is_internal
    w.fArray(t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.index).int32(p.leaderId);
      // Leader epochs are not tracked; -1 tells clients so (they then skip epoch validation).
      if (version >= 7) w.int32(-1);
      w.fArray(p.replicas, ints);
      w.fArray(p.isr, ints);
      if (version >= 5) w.fArray([] as number[], ints); // offline replicas
      w.tags();
    });
    if (version >= 8) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
    w.tags();
  });
  if (version >= 8 && version <= 10) w.int32(AUTHORIZED_OPERATIONS_OMITTED);
  w.tags();
  return w;
}
