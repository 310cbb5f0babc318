// Committed consumer-group offsets are the other thing a crash must not lose: a group that
// committed "next is 7" must resume at 7 after the broker is SIGKILLed and restarted.
//
// File layout relied on (src/broker/storage/offset-store.ts): <dataDir>/committed-offsets.jsonl,
// one JSON line per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import {
  tempDir,
  removeDir,
  spawnBrokerProcess,
  startTestBroker,
  type BrokerProcess,
  type TestBroker,
} from '../../helpers/broker.js';
import { testKafka } from '../../helpers/kafka.js';

const TOPIC = 'orders';

async function setup(kafka: Kafka, perPartition: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const partition of [0, 1]) {
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: Array.from({ length: perPartition }, (_, i) => ({ value: `p${partition}-m${i}`, partition })),
    });
  }
  await producer.disconnect();
}

async function committed(kafka: Kafka, groupId: string): Promise<Record<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    return Object.fromEntries(res.partitions.map((p) => [p.partition, p.offset]));
  } finally {
    await admin.disconnect();
  }
}

/** Runs a group member until it has been handed `count` messages, then returns what it saw first per partition. */
async function consumeSome(kafka: Kafka, groupId: string, count: number, onCount: (c: ReturnType<Kafka['consumer']>) => Promise<void>) {
  // testKafka turns off kafkajs's self-restart: a consumer that lost its broker to SIGKILL would
  // otherwise come back after the restart and take partitions from the member under test.
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const firstOffsets: Record<number, string> = {};
  let seen = 0;
  let done!: () => void;
  const reached = new Promise<void>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      firstOffsets[partition] ??= message.offset;
      if (++seen === count) done();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      reached,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} messages arrived`)), 30_000))),
    ]).finally(() => clearTimeout(timer));
    await onCount(consumer);
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }
  return { consumer, firstOffsets };
}

test('offsets committed just before a SIGKILL are there after the restart, and the group resumes from them', async (t) => {
  const dataDir = tempDir('durability-offsets-');
  let broker: BrokerProcess | undefined;
  t.after(async () => {
    await broker?.stop('SIGKILL');
    removeDir(dataDir);
  });
  broker = await spawnBrokerProcess({ dataDir });
  const port = broker.port;
  const kafka = testKafka(broker.brokers, { retry: { retries: 0 } });
  await setup(kafka, 10);

  const victim = broker;
  const { consumer } = await consumeSome(kafka, 'billing', 20, async (c) => {
    await c.commitOffsets([
      { topic: TOPIC, partition: 0, offset: '7' },
      { topic: TOPIC, partition: 1, offset: '4' },
    ]);
    // No graceful leave, no flush: the process dies the moment the commit was acknowledged.
    victim.child.kill('SIGKILL');
  });
  assert.equal((await victim.exited).signal, 'SIGKILL');
  await consumer.disconnect().catch(() => undefined);

  broker = await spawnBrokerProcess({ dataDir, port });
  const kafka2 = testKafka(broker.brokers);
  assert.deepEqual(await committed(kafka2, 'billing'), { 0: '7', 1: '4' });

  // A new member of the same group starts where the commit says (not at the beginning).
  const resumed = await consumeSome(kafka2, 'billing', (10 - 7) + (10 - 4), async () => {});
  await resumed.consumer.disconnect();
  assert.deepEqual(resumed.firstOffsets, { 0: '7', 1: '4' });
});

test('a torn last line in the offsets journal loses nothing that was committed before it', async (t) => {
  const dataDir = tempDir('durability-offsets-torn-');
  let tb: TestBroker | undefined;
  t.after(async () => {
    await tb?.cleanup();
    removeDir(dataDir);
  });
  tb = await startTestBroker({ dataDir });
  await setup(testKafka(tb.brokers), 10);
  {
    const admin = testKafka(tb.brokers).admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'reports', topic: TOPIC, partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();
  }
  await tb.cleanup();

  // A crash in the middle of writing the next commit.
  appendFileSync(join(dataDir, 'committed-offsets.jsonl'), '{"g":"reports","e":[["orders",0,"9');

  tb = await startTestBroker({ dataDir });
  assert.deepEqual(await committed(testKafka(tb.brokers), 'reports'), { 0: '3', 1: '-1' });

  // The next commit must not be glued onto the torn fragment (and so lost at the next start).
  {
    const admin = testKafka(tb.brokers).admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'reports', topic: TOPIC, partitions: [{ partition: 0, offset: '5' }] });
    await admin.disconnect();
  }
  await tb.cleanup();
  tb = await startTestBroker({ dataDir });
  assert.deepEqual(await committed(testKafka(tb.brokers), 'reports'), { 0: '5', 1: '-1' });
});
