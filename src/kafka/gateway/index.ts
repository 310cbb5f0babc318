/**
 * The gateway: the only place in src/ that imports kafkajs (test/unit/ops/test-hygiene.test.ts
 * checks it). Everything else imports this module and sees the small interfaces of types.ts,
 * which keeps kafkajs quirks (offset strings, partitioner warning, crash/restart semantics, error
 * classes) in one place and lets the services be reasoned about without the library.
 */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
// kafkajs keeps one codec table per process; importing the gateway fills it.
import './compression.js';
import { connectionConfig } from './connection.js';
import { bridgeLogs } from './logging.js';
import { createAdminHandle } from './admin.js';
import { createConsumerHandle } from './consumer.js';
import { createProducerHandle } from './producer.js';
import type { GatewayOptions, KafkaGateway } from './types.js';

export type * from './types.js';
export { kafkaSecurity, probeTls, type KafkaSecurity, type SecuritySettings } from './security.js';
export { classifyKafkaError, GroupNotEmptyError, type ClassifiedError, type KafkaErrorKind } from './errors.js';
export { kafkajsLevel, type BridgedLevel } from './logging.js';
export { createTopicReader, type PartitionFetch, type RawRecord, type TopicMetadata, type TopicReaderHandle } from './topic-reader.js';

export function createKafkaGateway(opts: GatewayOptions): KafkaGateway {
  const level = opts.logger.isLevelEnabled('debug') ? logLevel.INFO : logLevel.WARN;
  const base: KafkaConfig = {
    clientId: opts.clientId,
    ...connectionConfig(opts),
    // Few, quick retries: a demo should say "broker unreachable" within seconds. Our services
    // own the long-term reconnect policy (with backoff), not kafkajs.
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    logLevel: level,
    logCreator: bridgeLogs(opts.logger),
  };
  const kafka = new Kafka(base);

  return {
    producer: (options) => createProducerHandle(kafka, options),
    consumer: (options) => createConsumerHandle(base, opts.clientId, options),
    admin: () => createAdminHandle(kafka, opts),
  };
}
