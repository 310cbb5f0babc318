/**
 * The only module that talks to kafkajs. Everything else sees the small interfaces below, which
 * keeps kafkajs quirks (offset strings, partitioner warning, crash/restart semantics, error
 * classes) in one place and lets the services be reasoned about without the library.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import {
  AssignerProtocol,
  Kafka,
  PartitionAssigners,
  logLevel,
  type Admin,
  type KafkaConfig,
  type LogEntry,
  type PartitionAssigner,
  type Message,
  type Producer,
  type Consumer,
  type SASLOptions,
} from 'kafkajs';
// Node's CommonJS export detection misses these two; the default export has them.
import kafkajs from 'kafkajs';
import { LogThrottle, type Logger } from '../logger.js';
import type { SaslMechanism } from '../config.js';
import { SendCoalescer } from './send-coalescer.js';
import { CODEC_IDS, guardedCodec, lz4Codec, snappyCodec, undecodableOf, zstdCodec, type Codec, type UndecodableInfo } from './codecs.js';
import { javaCompatiblePartitioner } from './murmur2.js';
import { refusalReason, type RefusedCreate } from './refusal-reason.js';

export interface GatewayOptions {
  brokers: readonly string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  logger: Logger;
  /** SASL/TLS for an external cluster, already mapped by `kafkaSecurity`. */
  security?: KafkaSecurity;
}

/** The part of AppConfig.kafka that describes how to authenticate and encrypt. */
export interface SecuritySettings {
  sasl: { mechanism: SaslMechanism; username: string; password: string };
  ssl: { enabled: boolean; caFile: string; rejectUnauthorized: boolean };
}

export interface KafkaSecurity {
  /** kafkajs's `ssl`: `true` means "TLS with Node's defaults" (system CAs, verification on). */
  ssl?: true | TlsOptions;
  sasl?: SASLOptions;
}

/**
 * Maps the environment-only SASL/TLS settings to kafkajs's connection options. Kept pure apart
 * from reading the CA file, so the mapping can be unit-tested without a TLS broker.
 */
export function kafkaSecurity(settings: SecuritySettings, readFile: (file: string) => string = (f) => readFileSync(f, 'utf8')): KafkaSecurity {
  const out: KafkaSecurity = {};
  const { ssl, sasl } = settings;
  if (ssl.enabled) {
    if (!ssl.caFile && ssl.rejectUnauthorized) out.ssl = true;
    else {
      const tls: TlsOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
      if (ssl.caFile) tls.ca = [readFile(ssl.caFile)];
      out.ssl = tls;
    }
  }
  switch (sasl.mechanism) {
    case 'plain':
      out.sasl = { mechanism: 'plain', username: sasl.username, password: sasl.password };
      break;
    case 'scram-sha-256':
      out.sasl = { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
      break;
    case 'scram-sha-512':
      out.sasl = { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
      break;
    case 'none':
      break;
  }
  return out;
}

/** TLS options for our own raw probes (ApiVersions is allowed before SASL authentication). */
export function probeTls(security: KafkaSecurity | undefined): TlsOptions | undefined {
  if (!security?.ssl) return undefined;
  return security.ssl === true ? {} : security.ssl;
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

export type KafkaErrorKind = 'unavailable' | 'unsupported' | 'too_large' | 'rejected';

export interface ClassifiedError {
  kind: KafkaErrorKind;
  message: string;
}

const CONNECTIVITY_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
]);

/** Follows `cause`/`originalError` chains, since kafkajs wraps the real reason in retry errors. */
function rootCause(err: unknown): Record<string, unknown> {
  let e = err as Record<string, unknown> | undefined;
  for (let i = 0; i < 10 && e; i++) {
    const next = (e.cause ?? e.originalError) as Record<string, unknown> | undefined;
    if (!next || typeof next !== 'object') break;
    e = next;
  }
  return e ?? {};
}

/**
 * kafkajs keeps only the code of a refused create (POLICY_VIOLATION, INVALID_PARTITIONS, ...) and
 * drops the broker's errorMessage, which says why; this asks the broker again (validateOnly) for
 * it and rethrows the refusal with that reason as its message. Not with SASL (the raw request
 * would not be authenticated).
 */
async function withRefusalReason<T>(opts: GatewayOptions, req: RefusedCreate, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const root = rootCause(err);
    const protocol = (root.type ? root : (root.errors as Array<Record<string, unknown>> | undefined)?.find((e) => e?.type)) ?? undefined;
    if (!protocol || protocol.retriable === true || opts.security?.sasl || !opts.brokers[0]) throw err;
    const reason = await refusalReason(opts.brokers[0], req, probeTls(opts.security));
    if (!reason) throw err;
    throw Object.assign(new Error(`${String(protocol.message)}: ${reason}`), { name: 'KafkaJSProtocolError', type: protocol.type, retriable: false });
  }
}

/** Maps any kafkajs failure to the few cases the app reacts to differently. */
export function classifyKafkaError(err: unknown): ClassifiedError {
  const root = rootCause(err);
  const name = String(root.name ?? '');
  const type = String(root.type ?? '');
  const message = String(root.message ?? (err as Error)?.message ?? err);
  if (name === 'KafkaJSServerDoesNotSupportApiKey' || type === 'UNSUPPORTED_VERSION' || type === 'UNSUPPORTED_FOR_MESSAGE_FORMAT') {
    return { kind: 'unsupported', message };
  }
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return { kind: 'too_large', message };
  if (CONNECTIVITY_ERRORS.has(name) || /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|EPIPE|Connection timeout|Closed connection/i.test(message)) {
    return { kind: 'unavailable', message };
  }
  // A retriable protocol error that survived all retries means the cluster is not healthy
  // (leader moving, coordinator loading); from the user's side that is "unavailable".
  if (root.retriable === true) return { kind: 'unavailable', message };
  return { kind: 'rejected', message };
}

/**
 * kafkajs ships gzip only and throws "… compression not implemented" for the other codecs, which
 * crashed the consumer on the first snappy/lz4/zstd batch from any other client. kafkajs keeps
 * one codec table per process; it is filled once, when this module loads. Every codec, gzip
 * included, and the ids Kafka does not define (5-7) go through `guardedCodec`, so a batch that
 * cannot be decoded becomes an "undecodable" record instead of a crash of the fetch loop.
 */
function registerCodecs(): void {
  const table = kafkajs.CompressionCodecs as unknown as Record<number, () => unknown>;
  const gzipFactory = table[CODEC_IDS.gzip]!;
  const builtinGzip = gzipFactory() as { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
  const gzip: Codec = { compress: (data) => builtinGzip.compress({ buffer: data }), decompress: (data) => builtinGzip.decompress(data) };
  const codecs: Array<[number, string, Codec | undefined]> = [
    [CODEC_IDS.gzip, 'gzip', gzip],
    [CODEC_IDS.snappy, 'snappy', snappyCodec],
    [CODEC_IDS.lz4, 'lz4', lz4Codec],
    [CODEC_IDS.zstd, 'zstd', zstdCodec],
    [5, 'codec 5', undefined],
    [6, 'codec 6', undefined],
    [7, 'codec 7', undefined],
  ];
  for (const [id, name, codec] of codecs) {
    const guarded = guardedCodec(name, id, codec);
    table[id] = () => guarded;
  }
}
registerCodecs();

/**
 * kafkajs logs things we already handle; these are demoted to debug so the log shows each
 * problem once, at our level of detail.
 */
const DEMOTED = [
  // Idempotent + bounded retries: we bound them on purpose so a dead broker fails a request in
  // seconds instead of retrying forever (see docs/web-app.md).
  'Limiting retries for the idempotent producer',
];

/**
 * Kafka error texts that are part of normal group and cluster life (a rebalance, a coordinator or
 * leader moving), which kafkajs logs at error level as failed responses and then handles.
 */
const EXPECTED_PROTOCOL_ERRORS = [
  /group is rebalancing/i,
  /coordinator is (loading|not available)|not the correct coordinator|not coordinator/i,
  /coordinator is not aware of this member/i,
  /generation id is not valid|illegal generation|unknown member/i,
  /no leader for this topic-partition|not the leader|leader (is )?not available|leadership election/i,
  /does not host this topic-partition|unknown topic or partition/i,
];

/** What a broker outage looks like from kafkajs; the services report the outage themselves (warn). */
const CONNECTIVITY = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|EPIPE|Connection error|Connection timeout|Closed connection|Failed to connect|KafkaJSConnection|Request .* timed out|broker not connected/i;

export type BridgedLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * The level a kafkajs log line gets in our log, chosen deliberately: expected conditions
 * (rebalances, coordinator/leader moves) are info, an unreachable broker is warn (the services
 * log the outage and recover), and only the rest keeps kafkajs's own level.
 */
export function kafkajsLevel(level: number, message: string, extra: Record<string, unknown> = {}): BridgedLevel {
  if (DEMOTED.some((d) => message.startsWith(d))) return 'debug';
  const detail = `${message} ${typeof extra.error === 'string' ? extra.error : ''}`;
  const own: BridgedLevel =
    level === logLevel.ERROR || level === logLevel.NOTHING ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
  if (own === 'debug' || own === 'info') return own;
  if (EXPECTED_PROTOCOL_ERRORS.some((re) => re.test(detail))) return 'info';
  if (CONNECTIVITY.test(detail)) return 'warn';
  return own;
}

function bridgeLogs(logger: Logger) {
  const base = logger.child({ component: 'kafkajs' });
  // kafkajs repeats the same line on every retry of every client during an outage.
  const throttle = new LogThrottle();
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = log as LogEntry['log'] & { logger?: string };
      const fields = { namespace, ...extra };
      const target = kafkajsLevel(level, message, extra);
      if (target === 'debug') return base.debug(fields, message);
      throttle.log(base, target, `${namespace}:${target}:${message}`, fields, message);
    };
}

function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.map((x) => String(x)).join(',') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
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

export class GroupNotEmptyError extends Error {
  constructor(readonly groupId: string) {
    super(`group ${groupId} got another member while its offsets were being reset; nothing was committed`);
    this.name = 'GroupNotEmptyError';
  }
}

/** Marks our userData so another client's bytes are never mistaken for an instance id. */
const INSTANCE_USERDATA_PREFIX = 'kwd-instance:';

/**
 * kafkajs's round-robin assignment under its usual protocol name (so the group stays compatible
 * with plain kafkajs members), with this instance's id in the subscription's userData.
 */
function instanceAwareRoundRobin(instanceId: string): PartitionAssigner {
  return (config) => {
    const base = PartitionAssigners.roundRobin(config);
    return {
      name: base.name,
      version: base.version,
      assign: (group) => base.assign(group),
      protocol: ({ topics }) => ({
        name: base.name,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: base.version,
          topics,
          userData: Buffer.from(INSTANCE_USERDATA_PREFIX + instanceId, 'utf8'),
        }),
      }),
    };
  };
}

/** Reads what a member sent and got, tolerating members whose bytes are not the consumer protocol. */
function decodeMember(protocolType: string, metadata: Buffer, assignment: Buffer): Pick<GroupMemberInfo, 'instance' | 'subscribedTopics' | 'assignment'> {
  const out: Pick<GroupMemberInfo, 'instance' | 'subscribedTopics' | 'assignment'> = { instance: null, subscribedTopics: [], assignment: {} };
  if (protocolType !== 'consumer') return out;
  try {
    if (metadata.length > 0) {
      const meta = AssignerProtocol.MemberMetadata.decode(metadata);
      if (meta) {
        out.subscribedTopics = [...meta.topics];
        const user = meta.userData?.toString('utf8') ?? '';
        if (user.startsWith(INSTANCE_USERDATA_PREFIX)) out.instance = user.slice(INSTANCE_USERDATA_PREFIX.length);
      }
    }
  } catch {
    // Not the standard consumer encoding; show the member without these details.
  }
  try {
    if (assignment.length > 0) {
      const assigned = AssignerProtocol.MemberAssignment.decode(assignment);
      if (assigned) out.assignment = Object.fromEntries(Object.entries(assigned.assignment).map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
    }
  } catch {
    // As above.
  }
  return out;
}

export function createKafkaGateway(opts: GatewayOptions): KafkaGateway {
  const level = opts.logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN;
  const base: KafkaConfig = {
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    // Few, quick retries: a demo should say "broker unreachable" within seconds. Our services
    // own the long-term reconnect policy (with backoff), not kafkajs.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: level,
    logCreator: bridgeLogs(opts.logger),
    ...(opts.security?.ssl ? { ssl: opts.security.ssl } : {}),
    ...(opts.security?.sasl ? { sasl: opts.security.sasl } : {}),
  };
  const kafka = new Kafka(base);

  return {
    producer({ idempotent }) {
      // The partitioner kafkajs uses, wrapped to remember where each message went, so a coalesced
      // batch can hand every caller its own partition and offset.
      const partitions = new WeakMap<object, number>();
      const producer: Producer = kafka.producer({
        // Explicit choice (Java-compatible murmur2) so kafkajs v2 does not print its partitioner notice.
        // Our own murmur2: kafkajs's is quadratic in the key length (see murmur2.ts).
        createPartitioner: () => {
          const choose = javaCompatiblePartitioner();
          return (args) => {
            const partition = choose(args);
            partitions.set(args.message, partition);
            return partition;
          };
        },
        idempotent,
        allowAutoTopicCreation: true,
        // Idempotence needs at most 5 in-flight requests per connection to keep ordering; 1 is simplest.
        maxInFlightRequests: idempotent ? 1 : undefined,
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
      });
      const coalescer = new SendCoalescer<Message>({
        sendBatch: (topicMessages) => producer.sendBatch({ acks: -1, topicMessages }),
        partitionOf: (message) => partitions.get(message),
      });
      return {
        idempotent,
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        send(message) {
          const headers = message.headers ?? {};
          let size = Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
          for (const [k, v] of Object.entries(headers)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
          return coalescer.send({
            topic: message.topic,
            message: { key: message.key, value: message.value, headers: message.headers, partition: message.partition },
            size,
          });
        },
      };
    },

    consumer(options) {
      // A client of its own so the member's client id names the instance (kafkajs sets the
      // client id per Kafka object, not per consumer).
      const own = new Kafka({ ...base, clientId: `${opts.clientId}-${options.instanceId}` });
      const consumer: Consumer = own.consumer({
        groupId: options.groupId,
        partitionAssigners: [instanceAwareRoundRobin(options.instanceId)],
        sessionTimeout: options.sessionTimeoutMs,
        heartbeatInterval: options.heartbeatIntervalMs,
        maxWaitTimeInMs: options.maxWaitMs,
        allowAutoTopicCreation: true,
        retry: {
          retries: 5,
          initialRetryTime: 300,
          maxRetryTime: 5000,
          // kafkajs would otherwise restart itself on retriable crashes, invisibly and with its own
          // timing; the consumer worker restarts with a fresh client instead and reports the state.
          restartOnFailure: async () => false,
        },
      });
      return {
        connect: () => consumer.connect(),
        disconnect: () => consumer.disconnect(),
        subscribe: (topic, fromBeginning) => consumer.subscribe({ topics: [topic], fromBeginning }),
        run: (onMessage, { partitionsConsumedConcurrently }) =>
          consumer.run({
            autoCommit: false,
            partitionsConsumedConcurrently,
            eachMessage: async ({ topic, partition, message }) => {
              const undecodable = undecodableOf(message.headers as Record<string, unknown> | undefined);
              // Placeholders in front of a batch's report: nothing to show, and the commit of
              // the report (the batch's last offset) covers them.
              if (undecodable === 'skip') return;
              if (undecodable) {
                await onMessage({ topic, partition, offset: message.offset, key: null, value: null, headers: {}, timestamp: message.timestamp, undecodable });
                return;
              }
              await onMessage({
                topic,
                partition,
                offset: message.offset,
                key: message.key ? message.key.toString('utf8') : null,
                value: message.value ? message.value.toString('utf8') : null,
                headers: headersToStrings(message.headers as Record<string, unknown> | undefined),
                timestamp: message.timestamp,
              });
            },
          }),
        commitOffsets: (offsets) => consumer.commitOffsets(offsets),
        onJoin(listener) {
          consumer.on(consumer.events.GROUP_JOIN, (e) =>
            listener({ memberId: e.payload.memberId, assigned: e.payload.memberAssignment as Record<string, number[]> }),
          );
        },
        onCrash(listener) {
          consumer.on(consumer.events.CRASH, (e) => listener(e.payload.error));
        },
        onRebalancing(listener) {
          consumer.on(consumer.events.REBALANCING, () => listener());
        },
        onHeartbeat(listener) {
          consumer.on(consumer.events.HEARTBEAT, (e) => listener({ memberId: e.payload.memberId, generationId: e.payload.groupGenerationId }));
        },
      };
    },

    admin() {
      const admin: Admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 } });
      return {
        connect: () => admin.connect(),
        disconnect: () => admin.disconnect(),
        listTopics: () => admin.listTopics(),
        async topicOffsets(topic) {
          const rows = await admin.fetchTopicOffsets(topic);
          return rows.map((r) => ({ partition: r.partition, low: r.low, high: r.high })).sort((a, b) => a.partition - b.partition);
        },
        async offsetsForTimestamp(topic, timestamp) {
          const rows = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
          return rows.map((r) => ({ partition: r.partition, offset: r.offset })).sort((a, b) => a.partition - b.partition);
        },
        async listGroups() {
          const { groups } = await admin.listGroups();
          return groups.map((g) => g.groupId).sort();
        },
        async describeGroups(groupIds) {
          if (groupIds.length === 0) return [];
          const { groups } = await admin.describeGroups(groupIds);
          return groups.map((g) => ({
            groupId: g.groupId,
            state: g.state,
            protocolType: g.protocolType,
            protocol: g.protocol,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              ...decodeMember(g.protocolType, m.memberMetadata, m.memberAssignment),
            })),
          }));
        },
        async committedOffsets(groupId, topics) {
          if (topics.length === 0) return [];
          const rows = await admin.fetchOffsets({ groupId, topics });
          return rows.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })));
        },
        createTopic: (topic, partitions) =>
          withRefusalReason(opts, { kind: 'topic', topic, partitions }, async () => {
            // Not kafkajs's waitForLeaders: it fails on the UNKNOWN_TOPIC_OR_PARTITION that Apache
            // Kafka answers until the new topic's metadata has reached the broker asked (KRaft
            // applies it asynchronously), reporting an error for a topic that was created.
            const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: false });
            const until = Date.now() + 10_000;
            while (created && Date.now() < until) {
              try {
                const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
                const found = topics[0]?.partitions ?? [];
                if (found.length === partitions && found.every((p) => p.leader >= 0)) break;
              } catch {
                // not known to this broker yet
              }
              await new Promise((r) => setTimeout(r, 100));
            }
            return created;
          }),
        async createPartitions(topic, count) {
          await withRefusalReason(opts, { kind: 'partitions', topic, count }, () => admin.createPartitions({ topicPartitions: [{ topic, count }] }));
        },
        async setOffsets(groupId, topic, offsets, partitionCount) {
          // kafkajs's admin.setOffsets does the same dance, but its throw-away consumer waits a
          // full default fetch wait (5 s) before it stops. This one commits right after joining.
          const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false, retry: { retries: 2, restartOnFailure: async () => false } });
          let joined!: (assigned: number[]) => void;
          let failed!: (err: Error) => void;
          const join = new Promise<number[]>((resolve, reject) => {
            joined = resolve;
            failed = reject;
          });
          member.on(member.events.GROUP_JOIN, (e) => joined([...((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? [])]));
          member.on(member.events.CRASH, (e) => failed(e.payload.error));
          try {
            await member.connect();
            await member.subscribe({ topics: [topic], fromBeginning: true });
            await member.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => {} });
            const assigned = await join;
            member.pause([{ topic }]);
            // Sole member means every partition is ours; anything less means someone joined
            // since the Empty check, and committing now would move offsets under their feet.
            if (assigned.length < partitionCount) throw new GroupNotEmptyError(groupId);
            await member.commitOffsets(offsets.map((o) => ({ topic, partition: o.partition, offset: o.offset })));
          } finally {
            await member.disconnect().catch(() => {});
          }
        },
        async deleteGroup(groupId) {
          await admin.deleteGroups([groupId]);
        },
      };
    },
  };
}
