/**
 * Group-less reads for the topic browser: Metadata, ListOffsets and Fetch sent straight to the
 * partition leaders, with no consumer group, no JoinGroup and no commits.
 *
 * kafkajs has no public group-less consumer, so this part of the gateway uses kafkajs's own
 * cluster object, the same one its admin and consumer use. It is reached through the `Kafka`
 * object's private cluster factory, so the connection settings (brokers, TLS, SASL, timeouts,
 * socket factory) are exactly the gateway's.
 * That is a kafkajs 2.2.x internal (the version is pinned); `createTopicReader` fails loudly if it
 * is missing, and test/app/topics.test.ts exercises every call below against a real broker.
 * Only standard requests are sent, so it behaves the same on the embedded broker and Apache Kafka.
 */
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { ErrorCode } from '../../broker/index.js';
import type { Logger } from '../../logger.js';
// Fetched batches are decompressed through kafkajs's codec table.
import './compression.js';
import { connectionConfig } from './connection.js';
import type { GatewayOptions } from './types.js';

/** One record as read from the log; key, value and header values are the raw bytes. */
export interface RawRecord {
  partition: number;
  offset: bigint;
  /** ms since the epoch (CreateTime or LogAppendTime, whichever the topic uses). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[string, Buffer | null]>;
  /** key + value + headers, the basis of the byte budget. */
  size: number;
}

export interface PartitionFetch {
  /** Data records at or after the requested offset, in offset order (control records dropped). */
  records: RawRecord[];
  /**
   * The offset after the last record batch returned (control and compacted-away offsets
   * included), i.e. where a following read continues; equals the fetch offset when nothing came.
   */
  nextOffset: bigint;
  highWatermark: bigint;
}

export interface TopicMetadata {
  name: string;
  partitions: number[];
}

export interface TopicReaderHandle {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Every topic with its partition ids (fresh Metadata). */
  topics(): Promise<TopicMetadata[]>;
  /** Partition ids of one topic, or undefined when it does not exist (never auto-creates it). */
  partitions(topic: string): Promise<number[] | undefined>;
  /** Log start and end offset per partition. */
  offsets(topic: string, partitions: number[]): Promise<Map<number, { low: bigint; high: bigint }>>;
  /** Per partition the first offset with timestamp >= `timestamp`, or null when there is none. */
  offsetsForTime(topic: string, partitions: number[], timestamp: number): Promise<Map<number, bigint | null>>;
  /** One Fetch for one partition (so the broker always returns at least one whole batch). */
  fetch(topic: string, partition: number, offset: bigint, maxBytes: number): Promise<PartitionFetch>;
}

// The few kafkajs internals used here, typed for what this module relies on.
interface KjsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
  isControlRecord?: boolean;
  batchContext?: { firstOffset: string; lastOffsetDelta: number };
}
interface KjsBroker {
  fetch(req: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; highWatermark: string; messages: KjsRecord[] }> }> }>;
}
interface KjsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  metadata(opts?: { topics?: string[] }): Promise<{ topicMetadata: Array<{ topic: string; partitionMetadata: Array<{ partitionId: number; leader: number }> }> }>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(opts: { nodeId: string }): Promise<KjsBroker>;
  fetchTopicsOffset(
    topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning?: boolean; fromTimestamp?: number }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}
type ClusterFactory = (opts: { allowAutoTopicCreation: boolean; isolationLevel: number; metadataMaxAge: number }) => KjsCluster;

const READ_UNCOMMITTED = 0;
/** A kafkajs protocol error for "this partition's leader is elsewhere / gone"; metadata is refreshed. */
const LEADER_ERRORS = new Set<number>([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_LEADER_OR_FOLLOWER]);

function clusterFactory(kafka: Kafka): ClusterFactory {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
  if (typeof factory !== 'function') throw new Error('kafkajs internals changed: no cluster factory on the Kafka object (topic browser needs kafkajs 2.2.x)');
  return factory as ClusterFactory;
}

function logBridge(logger: Logger) {
  const log = logger.child({ component: 'kafkajs', client: 'topic-reader' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = entry as LogEntry['log'] & { logger?: string };
      if (level === logLevel.ERROR || level === logLevel.WARN) log.warn({ namespace, ...extra }, message);
      else log.debug({ namespace, ...extra }, message);
    };
}

function toRecord(partition: number, m: KjsRecord): RawRecord {
  const headers: Array<[string, Buffer | null]> = [];
  let size = (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const name of Object.keys(m.headers ?? {})) {
    const v = m.headers[name];
    // kafkajs folds repeated header names into an array; keep every occurrence, in order.
    for (const one of Array.isArray(v) ? v : [v ?? null]) {
      headers.push([name, one]);
      size += Buffer.byteLength(name) + (one?.length ?? 0);
    }
  }
  return { partition, offset: BigInt(m.offset), timestamp: Number(m.timestamp), key: m.key, value: m.value, headers, size };
}

export function createTopicReader(opts: GatewayOptions): TopicReaderHandle {
  const config: KafkaConfig = {
    clientId: `${opts.clientId}-browser`,
    ...connectionConfig(opts),
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    logLevel: logLevel.WARN,
    logCreator: logBridge(opts.logger),
  };
  const kafka = new Kafka(config);
  // No auto-creation: looking at a topic that does not exist must not create it.
  const cluster = clusterFactory(kafka)({ allowAutoTopicCreation: false, isolationLevel: READ_UNCOMMITTED, metadataMaxAge: 60_000 });
  let known = new Map<string, number[]>();
  let knownAt = 0;
  /** Cached metadata answers page views for this long; then partitions added since show up. */
  const METADATA_TTL_MS = 5000;

  const loadMetadata = async (): Promise<Map<string, number[]>> => {
    // An empty topic list asks for every topic; it also refreshes the broker list the fetches use.
    await cluster.refreshMetadata();
    const md = await cluster.metadata();
    known = new Map(md.topicMetadata.map((t) => [t.topic, t.partitionMetadata.map((p) => p.partitionId).sort((a, b) => a - b)]));
    knownAt = Date.now();
    return known;
  };

  const leaderOf = async (topic: string, partition: number): Promise<KjsBroker> => {
    let meta = cluster.findTopicPartitionMetadata(topic).find((p) => p.partitionId === partition);
    if (!meta || meta.leader < 0) {
      await loadMetadata();
      meta = cluster.findTopicPartitionMetadata(topic).find((p) => p.partitionId === partition);
    }
    if (!meta) throw new Error(`topic ${topic} has no partition ${partition}`);
    return cluster.findBroker({ nodeId: String(meta.leader) });
  };

  const listOffsets = async (topic: string, partitions: number[], spec: { fromBeginning?: boolean; fromTimestamp?: number }) => {
    const rows = await cluster.fetchTopicsOffset([{ topic, partitions: partitions.map((partition) => ({ partition })), ...spec }]);
    const out = new Map<number, bigint>();
    for (const t of rows) for (const p of t.partitions) out.set(p.partition, BigInt(p.offset));
    return out;
  };

  return {
    connect: () => cluster.connect(),
    disconnect: () => cluster.disconnect(),

    async topics() {
      const all = await loadMetadata();
      return [...all].map(([name, partitions]) => ({ name, partitions })).sort((a, b) => a.name.localeCompare(b.name));
    },

    async partitions(topic) {
      // Cached metadata answers known topics without a round trip; an unknown name (or a topic
      // created since) is checked against fresh metadata before it is called unknown.
      const cached = known.get(topic);
      if (cached && cached.length > 0 && Date.now() - knownAt < METADATA_TTL_MS) return cached;
      return (await loadMetadata()).get(topic);
    },

    async offsets(topic, partitions) {
      const [low, high] = await Promise.all([listOffsets(topic, partitions, { fromBeginning: true }), listOffsets(topic, partitions, { fromBeginning: false })]);
      const out = new Map<number, { low: bigint; high: bigint }>();
      for (const p of partitions) out.set(p, { low: low.get(p) ?? 0n, high: high.get(p) ?? 0n });
      return out;
    },

    async offsetsForTime(topic, partitions, timestamp) {
      const found = await listOffsets(topic, partitions, { fromTimestamp: timestamp });
      const out = new Map<number, bigint | null>();
      // Kafka answers -1 when no record is at or after the time.
      for (const p of partitions) {
        const o = found.get(p);
        out.set(p, o === undefined || o < 0n ? null : o);
      }
      return out;
    },

    async fetch(topic, partition, offset, maxBytes) {
      const broker = await leaderOf(topic, partition);
      const res = await broker.fetch({
        replicaId: -1,
        isolationLevel: READ_UNCOMMITTED,
        // Never long-poll: the browser asks for data that is already there.
        maxWaitTime: 0,
        minBytes: 1,
        maxBytes,
        topics: [{ topic, partitions: [{ partition, fetchOffset: offset.toString(), maxBytes }] }],
      });
      const p = res.responses.find((r) => r.topicName === topic)?.partitions.find((x) => x.partition === partition);
      if (!p) return { records: [], nextOffset: offset, highWatermark: offset };
      if (p.errorCode !== ErrorCode.NONE) {
        if (LEADER_ERRORS.has(p.errorCode)) void loadMetadata().catch(() => {});
        throw Object.assign(new Error(`fetch of ${topic}/${partition} failed with Kafka error code ${p.errorCode}`), { name: 'KafkaJSProtocolError', retriable: LEADER_ERRORS.has(p.errorCode) });
      }
      let next = offset;
      const records: RawRecord[] = [];
      for (const m of p.messages) {
        const ctx = m.batchContext;
        if (ctx) {
          const last = BigInt(ctx.firstOffset) + BigInt(ctx.lastOffsetDelta) + 1n;
          if (last > next) next = last;
        }
        const o = BigInt(m.offset);
        if (o + 1n > next) next = o + 1n;
        // A batch may start before the requested offset; control records are not data.
        if (o < offset || m.isControlRecord) continue;
        records.push(toRecord(partition, m));
      }
      return { records, nextOffset: next, highWatermark: BigInt(p.highWatermark) };
    },
  };
}
