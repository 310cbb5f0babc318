import type { Kafka, Message, Producer } from 'kafkajs';
import { javaCompatiblePartitioner } from '../murmur2.js';
import { SendCoalescer } from '../send-coalescer.js';
import type { ProducerHandle } from './types.js';

export function createProducerHandle(kafka: Kafka, { idempotent }: { idempotent: boolean }): ProducerHandle {
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
}
