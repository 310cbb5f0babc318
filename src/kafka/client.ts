/**
 * The only module that talks to kafkajs. Everything else sees the small interfaces below, which
 * keeps kafkajs quirks (offset strings, partitioner warning, crash/restart semantics, error
 * classes) in one place and lets the services be reasoned about without the library.
 */
import { Kafka, Partitioners, logLevel, type LogEntry, type Producer, type Consumer } from 'kafkajs';
import type { Logger } from '../logger.js';

export interface GatewayOptions {
  brokers: readonly string[];
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  logger: Logger;
}

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
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
}

export interface ConsumerHandle {
  connect(): Promise<void>;
  subscribe(topic: string, fromBeginning: boolean): Promise<void>;
  /** Starts the fetch loop; resolves once it is started (or has crashed while starting). */
  run(onMessage: (record: ConsumedRecord) => Promise<void>): Promise<void>;
  /** Stores `nextOffset` (the offset *after* the last processed record) for the group. */
  commit(topic: string, partition: number, nextOffset: string): Promise<void>;
  onJoin(listener: (info: { memberId: string; assigned: Record<string, number[]> }) => void): void;
  onCrash(listener: (error: Error) => void): void;
  onRebalancing(listener: () => void): void;
  disconnect(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
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
 * kafkajs logs things we already handle and report ourselves; these are demoted so the log
 * shows each problem once, at our level of detail.
 */
const DEMOTED = [
  // Idempotent + bounded retries: we bound them on purpose so a dead broker fails a request in
  // seconds instead of retrying forever (see docs/web-app.md).
  'Limiting retries for the idempotent producer',
];

function bridgeLogs(logger: Logger) {
  const base = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = log as LogEntry['log'] & { logger?: string };
      const fields = { namespace, ...extra };
      if (DEMOTED.some((d) => message.startsWith(d))) return base.debug(fields, message);
      switch (level) {
        case logLevel.ERROR:
        case logLevel.NOTHING:
          return base.error(fields, message);
        case logLevel.WARN:
          return base.warn(fields, message);
        case logLevel.INFO:
          return base.info(fields, message);
        default:
          return base.debug(fields, message);
      }
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
}

export function createKafkaGateway(opts: GatewayOptions): KafkaGateway {
  const level = opts.logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN;
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    // Few, quick retries: a demo should say "broker unreachable" within seconds. Our services
    // own the long-term reconnect policy (with backoff), not kafkajs.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: level,
    logCreator: bridgeLogs(opts.logger),
  });

  return {
    producer({ idempotent }) {
      const producer: Producer = kafka.producer({
        // Explicit choice (Java-compatible murmur2) so kafkajs v2 does not print its partitioner notice.
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent,
        allowAutoTopicCreation: true,
        // Idempotence needs at most 5 in-flight requests per connection to keep ordering; 1 is simplest.
        maxInFlightRequests: idempotent ? 1 : undefined,
        retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
      });
      return {
        idempotent,
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        async send(message) {
          const [meta] = await producer.send({
            topic: message.topic,
            acks: -1,
            messages: [{ key: message.key, value: message.value, headers: message.headers }],
          });
          if (!meta) throw new Error('broker returned no record metadata');
          // kafkajs reports baseOffset; with one message per request that is the message's offset.
          return { topic: meta.topicName, partition: meta.partition, offset: String(meta.baseOffset ?? meta.offset) };
        },
      };
    },

    consumer(options) {
      const consumer: Consumer = kafka.consumer({
        groupId: options.groupId,
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
        run: (onMessage) =>
          consumer.run({
            autoCommit: false,
            eachMessage: async ({ topic, partition, message }) => {
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
        commit: (topic, partition, nextOffset) => consumer.commitOffsets([{ topic, partition, offset: nextOffset }]),
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
      };
    },
  };
}
