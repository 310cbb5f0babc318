import { Kafka, type Consumer, type KafkaConfig } from 'kafkajs';
import { undecodableOf } from '../codecs.js';
import { instanceAwareRoundRobin } from './member-metadata.js';
import type { ConsumerHandle, ConsumerOptions } from './types.js';

function headersToStrings(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.map((x) => String(x)).join(',') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  }
  return out;
}

/** `base` is the gateway's kafkajs config; `clientId` its client id, before the instance suffix. */
export function createConsumerHandle(base: KafkaConfig, clientId: string, options: ConsumerOptions): ConsumerHandle {
  // A client of its own so the member's client id names the instance (kafkajs sets the
  // client id per Kafka object, not per consumer).
  const own = new Kafka({ ...base, clientId: `${clientId}-${options.instanceId}` });
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
}
