import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';
import { suiteName } from '../helpers/suite-kafka.js';

let broker: SuiteBroker;
const TOPIC = suiteName('replay-topic');
const GROUP_A = suiteName('replay-a');
const GROUP_B = suiteName('replay-b');
const COUNT = 12;

before(async () => {
  broker = await startSuiteBroker();
});

after(async () => {
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

/** What the group has committed, per partition, next to each partition's end offset. */
async function committedVsEnd(groupId: string): Promise<Array<{ partition: number; committed: string; end: string }>> {
  // The test's own view of the broker; the app under test never sees this client.
  const admin = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    return ends
      .map((e) => ({
        partition: e.partition,
        end: e.high,
        committed: committed!.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1',
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

async function ready(app: RunningApp) {
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
}

test('commits offset+1, a restart in the same group replays nothing, a new group replays the whole topic', async () => {
  const env = { KAFKA_TOPIC: TOPIC, MESSAGES_CAPACITY: '100' };
  const first = await startTestApp(broker.address, { env: { ...env, KAFKA_GROUP_ID: GROUP_A } });
  const sent: string[] = [];
  try {
    await ready(first);
    const client = new Client(first.url);
    for (let i = 0; i < COUNT; i++) {
      const res = await client.postJson('/api/messages', { value: `m-${i}`, key: `k-${i % 5}` });
      assert.equal(res.status, 201);
      sent.push(`m-${i}`);
    }
    await waitFor('all consumed', () => first.store.size === COUNT);
    // The committed offset is the next one to read: equal to each partition's end once done.
    const offsets = await waitFor('commits caught up', async () => {
      const rows = await committedVsEnd(GROUP_A);
      // A partition that received nothing has no commit (-1) and end offset 0.
      return rows.every((r) => r.committed === r.end || (r.end === '0' && r.committed === '-1')) ? rows : undefined;
    });
    assert.equal(offsets.reduce((n, r) => n + Number(r.end), 0), COUNT);
  } finally {
    await first.stop();
  }

  const again = await startTestApp(broker.address, { env: { ...env, KAFKA_GROUP_ID: GROUP_A } });
  const markers = [0, 1, 2].map((p) => `after-restart-${p}`);
  try {
    await ready(again);
    // A marker at the end of every partition: a replay of anything already committed would be
    // consumed before the marker of its partition, so once all three are in, it would show.
    const producer = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, messages: markers.map((value, partition) => ({ partition, value })) });
    } finally {
      await producer.disconnect();
    }
    const seen = await waitFor('markers consumed', () => {
      const values = again.store.newestFirst().map((m) => m.value);
      return markers.every((m) => values.includes(m)) ? values : undefined;
    });
    assert.deepEqual(
      [...seen].sort(),
      markers,
      'the same group resumes after its commits: nothing already processed comes back',
    );
  } finally {
    await again.stop();
  }

  const fresh = await startTestApp(broker.address, { env: { ...env, KAFKA_GROUP_ID: GROUP_B } });
  try {
    const replayed = await waitFor('whole topic replayed', () => (fresh.store.size === COUNT + markers.length ? fresh.store.newestFirst() : undefined));
    const values = replayed.map((m) => m.value ?? '');
    assert.deepEqual([...values].sort(), [...sent, ...markers].sort());
    // Within a partition the newest-first view must be in descending offset order.
    for (let p = 0; p < 3; p++) {
      const offs = replayed.filter((m) => m.partition === p).map((m) => BigInt(m.offset));
      assert.deepEqual(offs, [...offs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
    }
  } finally {
    await fresh.stop();
  }
});
