import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface MetadataRequest {
  /** null: every topic. */
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

export function decodeMetadataRequest(r: Reader, version: number): MetadataRequest {
  let topics: string[] | null;
  if (version === 0) {
    const list = r.array((r) => r.string());
    topics = list.length === 0 ? null : list; // v0: an empty list means all topics
  } else {
    topics = r.nullableArray((r) => r.string());
  }
  const allowAutoTopicCreation = version >= 4 ? r.boolean() : true;
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
  name: string;
  partitions: MetadataPartition[];
}
export interface MetadataResponse {
  brokers: MetadataBroker[];
  clusterId: string;
  controllerId: number;
  topics: MetadataTopic[];
}

export function encodeMetadataResponse(version: number, res: MetadataResponse): Writer {
  const w = new Writer(256);
  if (version >= 3) w.int32(0);
  w.array(res.brokers, (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port);
    if (version >= 1) w.nullableString(null); // rack
  });
  if (version >= 2) w.nullableString(res.clusterId);
  if (version >= 1) w.int32(res.controllerId);
  w.array(res.topics, (w, t) => {
    w.int16(t.errorCode).string(t.name);
    if (version >= 1) w.boolean(false); // is_internal
    w.array(t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.index).int32(p.leaderId);
      if (version >= 7) w.int32(0); // leader epoch
      w.array(p.replicas, (w, id) => w.int32(id));
      w.array(p.isr, (w, id) => w.int32(id));
      if (version >= 5) w.array([] as number[], (w, id) => w.int32(id)); // offline replicas
    });
  });
  return w;
}
