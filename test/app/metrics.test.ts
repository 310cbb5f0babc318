/**
 * GET /metrics: Prometheus text from each app's own registry, so two apps in one process
 * (here: two instances in different groups on one broker) report their own numbers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startTestBroker, waitFor, type TestBroker } from './harness.js';
import { createTopicsAndWait, suiteName } from '../helpers/suite-kafka.js';

const TOPIC = suiteName('metrics-topic');
const GROUP_A = suiteName('metrics-a');
const GROUP_B = suiteName('metrics-b');
let broker: TestBroker;
let a: RunningApp;
let b: RunningApp;
let admin: Admin;

before(async () => {
  broker = await startTestBroker();
  admin = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: TOPIC, numPartitions: 3 }]);
  a = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: GROUP_A, KAFKA_TOPIC: TOPIC } });
  b = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: GROUP_B, KAFKA_TOPIC: TOPIC } });
  for (const app of [a, b]) await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
});

after(async () => {
  await admin?.disconnect();
  await a?.stop();
  await b?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

/** Sample values by metric name plus label set, e.g. `kafka_web_demo_consumer_lag{group="g",topic="t",partition="0"}`. */
async function scrape(app: RunningApp): Promise<{ contentType: string; samples: Map<string, number>; text: string }> {
  const res = await fetch(`${app.url}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { contentType: res.headers.get('content-type') ?? '', samples, text };
}

const sum = (samples: Map<string, number>, prefix: string) =>
  [...samples].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

test('counters, the lag gauge and process metrics, separately per app', async () => {
  const first = await scrape(a);
  assert.match(first.contentType, /^text\/plain;/);
  assert.match(first.contentType, /version=0\.0\.4/);
  assert.ok(first.samples.has('process_cpu_user_seconds_total'), 'default process metrics');
  assert.ok([...first.samples.keys()].some((k) => k.startsWith('nodejs_heap_size_total_bytes')), 'default Node.js metrics');
  assert.equal(first.samples.get(`kafka_web_demo_messages_produced_total{topic="${TOPIC}"}`), 0);
  assert.equal(first.samples.get(`kafka_web_demo_instance_info{instance="${a.instanceId}",group="${GROUP_A}",topic="${TOPIC}"}`), 1);
  assert.ok((first.samples.get('kafka_web_demo_consumer_rebalances_total') ?? 0) >= 1, 'joined the group at least once');
  assert.equal(first.samples.get('kafka_web_demo_consumer_crashes_total'), 0);

  const client = new Client(a.url);
  for (let i = 0; i < 6; i++) assert.equal((await client.postJson('/api/messages', { value: `metric-${i}`, key: `k${i}` })).status, 201);
  for (const app of [a, b]) await waitFor('both consumed', () => app.store.size === 6);

  const ends = await admin.fetchTopicOffsets(TOPIC);
  const afterA = await waitFor('A committed all', async () => {
    const s = await scrape(a);
    return s.samples.get(`kafka_web_demo_offsets_committed_total{topic="${TOPIC}"}`) === 6 ? s : undefined;
  });
  assert.equal(afterA.samples.get(`kafka_web_demo_messages_produced_total{topic="${TOPIC}"}`), 6);
  assert.equal(afterA.samples.get(`kafka_web_demo_messages_consumed_total{topic="${TOPIC}"}`), 6);
  assert.equal(afterA.samples.get(`kafka_web_demo_offset_commit_failures_total{topic="${TOPIC}"}`), 0);
  for (const e of ends) {
    assert.equal(afterA.samples.get(`kafka_web_demo_consumer_lag{group="${GROUP_A}",topic="${TOPIC}",partition="${e.partition}"}`), 0);
  }

  // B consumed the same messages in its own group but produced none: its own registry.
  const afterB = await waitFor('B committed all', async () => {
    const s = await scrape(b);
    return s.samples.get(`kafka_web_demo_offsets_committed_total{topic="${TOPIC}"}`) === 6 ? s : undefined;
  });
  assert.equal(afterB.samples.get(`kafka_web_demo_messages_produced_total{topic="${TOPIC}"}`), 0);
  assert.equal(afterB.samples.get(`kafka_web_demo_messages_consumed_total{topic="${TOPIC}"}`), 6);
});

test('lag follows what the group has not read, per partition, and drops back after consuming', async () => {
  const bClient = new Client(b.url);
  assert.equal((await bClient.postJson('/api/consumer/pause', {})).status, 200);
  const rebalancesBefore = (await scrape(b)).samples.get('kafka_web_demo_consumer_rebalances_total')!;

  const produced = [];
  for (let i = 0; i < 4; i++) produced.push((await new Client(a.url).postJson('/api/messages', { value: `lag-${i}`, key: `lag-${i}` })).json<{ partition: number }>());
  const expected = new Map<number, number>();
  for (const p of produced) expected.set(p.partition, (expected.get(p.partition) ?? 0) + 1);

  const lagging = await scrape(b);
  for (const partition of [0, 1, 2]) {
    assert.equal(
      lagging.samples.get(`kafka_web_demo_consumer_lag{group="${GROUP_B}",topic="${TOPIC}",partition="${partition}"}`),
      expected.get(partition) ?? 0,
      `partition ${partition}`,
    );
  }
  assert.equal(sum(lagging.samples, `kafka_web_demo_consumer_lag{group="${GROUP_B}"`), 4);

  assert.equal((await bClient.postJson('/api/consumer/resume', {})).status, 200);
  const caughtUp = await waitFor('B caught up', async () => {
    const s = await scrape(b);
    return sum(s.samples, `kafka_web_demo_consumer_lag{group="${GROUP_B}"`) === 0 ? s : undefined;
  });
  assert.equal(caughtUp.samples.get(`kafka_web_demo_messages_consumed_total{topic="${TOPIC}"}`), 10);
  assert.ok(caughtUp.samples.get('kafka_web_demo_consumer_rebalances_total')! > rebalancesBefore, 'rejoining counts as a rebalance');
});
