/**
 * What the rest of the app sees of Kafka: small interfaces with plain values (string offsets,
 * UTF-8 keys and values, string headers), so the services can be reasoned about without kafkajs.
 */
import type { Logger } from '../../logger.js';
import type { UndecodableInfo } from '../codecs.js';
import type { KafkaSecurity } from './security.js';

export interface GatewayOptions {
  brokers: readonly string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  logger: Logger;
  /** SASL/TLS for an external cluster, already mapped by `kafkaSecurity`. */
  security?: KafkaSecurity;
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
  /** An explicit partition; undefined lets the partitioner hash the key. */
  partition?: number;
}

export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: string;
}

export interface ProducerHandle {
  readonly idempotent: boolean;
  connect(): Promise<void>;
  send(message: OutgoingMessage): Promise<ProducedRecord>;
  disconnect(): Promise<void>;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** Producer/broker timestamp in ms since the epoch, as kafkajs gives it (a string). */
  timestamp: string;
  /**
   * Set when the record stands for a batch the app could not decode (see codecs.ts): key, value
   * and headers are then empty, and `offset` is the batch's last offset, so committing past it
   * skips the whole batch.
   */
  undecodable?: UndecodableInfo;
}

/** One partition's offset to store for the group: the offset *after* the last processed record. */
export interface OffsetToCommit {
  topic: string;
  partition: number;
  offset: string;
}

export interface ConsumerRunOptions {
  /** Partitions whose messages are handled side by side; each partition stays in order. */
  partitionsConsumedConcurrently: number;
}

export interface ConsumerHandle {
  connect(): Promise<void>;
  subscribe(topic: string, fromBeginning: boolean): Promise<void>;
  /** Starts the fetch loop; resolves once it is started (or has crashed while starting). */
  run(onMessage: (record: ConsumedRecord) => Promise<void>, options: ConsumerRunOptions): Promise<void>;
  /** One OffsetCommit request for `offsets`; when and what to commit is the consumer worker's call. */
  commitOffsets(offsets: OffsetToCommit[]): Promise<void>;
  onJoin(listener: (info: { memberId: string; assigned: Record<string, number[]> }) => void): void;
  onCrash(listener: (error: Error) => void): void;
  onRebalancing(listener: () => void): void;
  /** Each heartbeat: the coordinator's generation this member belongs to (kafkajs HEARTBEAT). */
  onHeartbeat?(listener: (info: { memberId: string; generationId: number }) => void): void;
  disconnect(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  /**
   * This app instance's id. It goes into the member's client id (`<clientId>-<instanceId>`, shown
   * by any Kafka tool) and, exactly, into the member metadata's userData, which the group view
   * decodes from DescribeGroups.
   */
  instanceId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Long-poll wait of one Fetch; also bounds how long a graceful stop waits for the loop. */
  maxWaitMs: number;
}

export interface KafkaGateway {
  producer(options: { idempotent: boolean }): ProducerHandle;
  consumer(options: ConsumerOptions): ConsumerHandle;
  admin(): AdminHandle;
}

export interface PartitionOffsets {
  partition: number;
  /** Log start offset. */
  low: string;
  /** End offset (high watermark): the offset the next message will get. */
  high: string;
}

export interface GroupMemberInfo {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** The app instance id from the member metadata; null for members that are not this app. */
  instance: string | null;
  subscribedTopics: string[];
  assignment: Record<string, number[]>;
}

export interface GroupInfo {
  groupId: string;
  /** Kafka's words: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberInfo[];
}

/** Thin admin surface; the rules (what may be reset when) live in AdminService. */
export interface AdminHandle {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the first offset whose timestamp is >= `timestamp`, or the end offset if none. */
  offsetsForTimestamp(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: string }>>;
  listGroups(): Promise<string[]>;
  describeGroups(groupIds: string[]): Promise<GroupInfo[]>;
  /** Committed offsets of `groupId` for `topics`; partitions without a commit report "-1". */
  committedOffsets(groupId: string, topics: string[]): Promise<Array<{ topic: string; partition: number; offset: string }>>;
  /** false when the topic already exists. */
  createTopic(topic: string, partitions: number): Promise<boolean>;
  createPartitions(topic: string, count: number): Promise<void>;
  /**
   * Commits the given offsets for a group that has no members, by joining it briefly as its only
   * member. Rejects with GroupNotEmptyError when another member turns out to be there.
   */
  setOffsets(groupId: string, topic: string, offsets: Array<{ partition: number; offset: string }>, partitionCount: number): Promise<void>;
  deleteGroup(groupId: string): Promise<void>;
}
