import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type EachMessagePayload } from 'kafkajs';
import { brokerFixture, waitFor, type Fixture } from './fixture.js';

describe('kafkajs produce and consume', () => {
  let f: Fixture;
  before(async () => {
    f = await brokerFixture();
  });
  after(async () => {
    await f.close();
  });

  it('auto-creates a topic with 3 partitions and delivers every message with its key, value and headers', async () => {
    const producer = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) } }));
    const results = await producer.send({ topic: 'orders', messages: sent, acks: -1 });
    assert.ok(results.length >= 1);
    const admin = f.kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] });
    assert.equal(meta.topics[0].partitions.length, 3);

    const consumer = f.kafka.consumer({ groupId: 'g-all', sessionTimeout: 6000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    const got = new Map<string, { value: string; n: string; partition: number; offset: string }>();
    await consumer.run({
      eachMessage: async ({ message, partition }: EachMessagePayload) => {
        got.set(message.key!.toString(), {
          value: message.value!.toString(),
          n: message.headers!.n!.toString(),
          partition,
          offset: message.offset,
        });
      },
    });
    await waitFor('all 60 messages', () => got.size === 60);
    for (let i = 0; i < 60; i++) {
      assert.deepEqual([got.get(`k${i}`)!.value, got.get(`k${i}`)!.n], [`v${i}`, String(i)]);
    }
    // Offsets per partition are contiguous from 0.
    for (const p of [0, 1, 2]) {
      const offsets = [...got.values()].filter((m) => m.partition === p).map((m) => Number(m.offset)).sort((a, b) => a - b);
      assert.deepEqual(offsets, offsets.map((_, i) => i));
    }
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
  });

  it('wakes a parked fetch as soon as a message is appended', async () => {
    const maxWait = 8_000;
    const consumer = f.kafka.consumer({ groupId: 'g-live', maxWaitTimeInMs: maxWait, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'live', fromBeginning: true });
    const got: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    const producer = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'live', messages: [{ value: 'first' }] });
    await waitFor('first', () => got.includes('first'));
    await new Promise((r) => setTimeout(r, 500)); // let the consumer park in its next fetch
    const t0 = Date.now();
    await producer.send({ topic: 'live', messages: [{ value: 'ping' }] });
    await waitFor('ping', () => got.includes('ping'), maxWait * 2);
    // Unwoken, the parked fetch (sent at most 500 ms before t0) returns empty after the 8 s max
    // wait, so 'ping' could not arrive before t0 + 7.5 s; 6 s leaves a loaded machine room.
    const took = Date.now() - t0;
    assert.ok(took < maxWait * 0.75, `took ${took} ms: the append did not wake the parked fetch`);
    await producer.disconnect();
    await consumer.disconnect();
  });

  it('reports the right error for an illegal topic name', async () => {
    const producer = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
    await producer.connect();
    await assert.rejects(producer.send({ topic: 'bad topic!', messages: [{ value: 'x' }] }), /invalid|not valid|illegal/i);
    await producer.disconnect();
  });
});
