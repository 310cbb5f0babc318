/** kafkajs helpers for the benchmarks: topic set-up and a plain producer loop. */
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';

export function kafka(address: string, clientId = 'bench'): Kafka {
  return new Kafka({ clientId, brokers: [address], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
}

/** Creates the topics (ignoring ones that exist) and waits until their leaders are known. */
export async function createTopics(address: string, topics: string[], partitions: number): Promise<void> {
  const admin = kafka(address).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function connectedProducer(address: string): Promise<Producer> {
  const producer = kafka(address).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/**
 * `total` messages of `size` bytes, `batch` per send(), one send in flight at a time (what an
 * application awaiting each send sees), acks -1. Returns the wall time in ms.
 */
export async function kafkajsProduce(address: string, topic: string, opts: { batch: number; total: number; size: number }): Promise<number> {
  const producer = await connectedProducer(address);
  try {
    const value = Buffer.alloc(opts.size, 'k');
    const messages = Array.from({ length: opts.batch }, () => ({ value }));
    // One warm-up send so connection and metadata set-up are not part of the timing.
    await producer.send({ topic, acks: -1, messages });
    const started = process.hrtime.bigint();
    for (let sent = 0; sent < opts.total; sent += opts.batch) {
      await producer.send({ topic, acks: -1, messages });
    }
    return Number(process.hrtime.bigint() - started) / 1e6;
  } finally {
    await producer.disconnect();
  }
}
