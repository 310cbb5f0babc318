/** Settings of one embedded broker. Defaults follow Kafka's where that makes sense for local use. */
export interface BrokerConfig {
  /** Interface to bind; loopback unless the operator opts in to more. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** host:port written into Metadata/FindCoordinator; defaults to the bound address. */
  advertisedHost?: string;
  advertisedPort?: number;
  dataDir: string;
  nodeId: number;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  /** Kafka's group.initial.rebalance.delay.ms is 3000; local work wants it short. */
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /**
   * KIP-848 consumer groups: Kafka's group.consumer.session.timeout.ms (a member that has not
   * heartbeated for this long is fenced and its partitions reassigned) and
   * group.consumer.heartbeat.interval.ms (what members are told to keep to). Kafka's defaults.
   */
  consumerSessionTimeoutMs: number;
  consumerHeartbeatIntervalMs: number;
  /** Largest frame accepted from a client (Kafka's socket.request.max.bytes). */
  maxRequestBytes: number;
  /** Kafka's message.max.bytes: largest record batch accepted on produce. */
  maxMessageBytes: number;
  segmentBytes: number;
  /** Kafka's log.roll.ms / segment.ms: a non-empty segment older than this rolls on the next append. */
  segmentMs: number;
  retentionMs: number;
  retentionBytes: number;
  retentionCheckIntervalMs: number;
  /**
   * Partitions over all topics that CreateTopics, CreatePartitions and auto-creation may reach;
   * beyond it they are refused with POLICY_VIOLATION (docs/broker-limits.md).
   */
  maxPartitions: number;
  /**
   * Segment files (logs and indexes) open at once, broker-wide; idle ones are closed least
   * recently used first. Undefined: derived from the process's descriptor limit (ulimit -n).
   */
  maxOpenFiles?: number;
  /**
   * Kafka's queued.max.request.bytes: request bytes buffered over all connections (partly
   * received or waiting to be handled). A connection whose next request does not fit stops being
   * read until memory is released.
   */
  queuedMaxRequestBytes: number;
  /** Request bytes one connection may hold buffered (at least maxRequestBytes, so any request fits). */
  maxConnectionRequestBytes: number;
}

export const DEFAULT_BROKER_CONFIG: Omit<BrokerConfig, 'dataDir'> = {
  host: '127.0.0.1',
  port: 9092,
  nodeId: 1,
  autoCreateTopics: true,
  defaultPartitions: 3,
  initialRebalanceDelayMs: 100,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1_800_000,
  consumerSessionTimeoutMs: 45_000,
  consumerHeartbeatIntervalMs: 5_000,
  maxRequestBytes: 104_857_600,
  maxMessageBytes: 1_048_588,
  segmentBytes: 1_073_741_824,
  segmentMs: 604_800_000,
  retentionMs: 604_800_000,
  retentionBytes: -1,
  retentionCheckIntervalMs: 300_000,
  maxPartitions: 10_000,
  queuedMaxRequestBytes: 268_435_456,
  maxConnectionRequestBytes: 104_857_600,
};
