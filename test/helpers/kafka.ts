/**
 * kafkajs helpers for integration tests: a quiet client, and "read a whole topic" for checking
 * what the broker really stored.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/**
 * A kafkajs client with logging off and retries that give up within a few seconds. Consumers
 * made from it do not restart themselves after a crash (kafkajs's default), so a consumer whose
 * broker was stopped cannot keep a test process alive or rejoin a later broker on its own.
 */
export function testKafka(brokers: string[], overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'broker-tests',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    ...overrides,
    retry: {
      initialRetryTime: 100,
      retries: 8,
      maxRetryTime: 2_000,
      restartOnFailure: async () => false,
      ...overrides.retry,
    },
  });
}

export interface StoredMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

export interface TopicContents {
  /** Log end offset (high watermark) of each partition when reading started. */
  highWatermarks: Map<number, number>;
  /** Low watermark (log start offset) of each partition when reading started. */
  lowWatermarks: Map<number, number>;
  /** Messages per partition, in the order the consumer delivered them. */
  partitions: Map<number, StoredMessage[]>;
}

/**
 * Reads every partition of `topic` from its log start up to the high watermark observed at the
 * start, with a fresh consumer group. Rejects if that point is not reached within `timeoutMs`.
 */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<TopicContents> {
  const admin = kafka.admin();
  await admin.connect();
  let offsets;
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const highWatermarks = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  const lowWatermarks = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
  const partitions = new Map<number, StoredMessage[]>(offsets.map((o) => [o.partition, []]));
  const reached = (): boolean =>
    offsets.every((o) => {
      const got = partitions.get(o.partition)!;
      const high = Number(o.high);
      return high <= Number(o.low) || got.some((m) => m.offset >= high - 1);
    });
  if (reached()) return { highWatermarks, lowWatermarks, partitions };

  const consumer = kafka.consumer({ groupId: `read-all-${randomUUID()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        partitions.get(partition)?.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
        });
        if (reached()) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seen = [...partitions].map(([p, ms]) => `p${p}: ${ms.length} (hw ${highWatermarks.get(p)})`);
        reject(new Error(`reading ${topic} did not reach the high watermarks in ${timeoutMs} ms; ${seen.join(', ')}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
  return { highWatermarks, lowWatermarks, partitions };
}
