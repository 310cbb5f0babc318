/**
 * GET /metrics: Prometheus text from each app's own registry, so two apps in one process
 * (here: two instances in different groups on one broker) report their own numbers.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';
import { createTopicsAndWait, suiteName } from '../helpers/suite-kafka.js';

let broker: SuiteBroker;

before(async () => {
  broker = await startSuiteBroker();
});

after(async () => {
  await broker?.close();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

/**
 * Each test gets its own topic and two fresh apps in groups `<name>-a` and `<name>-b`, so no
 * test depends on what another one produced or consumed.
 */
async function startPair(t: TestContext, name: string) {
  const topic = suiteName(`${name}-topic`);
  const admin = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  await createTopicsAndWait(admin, [{ topic, numPartitions: 3 }]);
  const apps: RunningApp[] = [];
  t.after(() => Promise.all(apps.map((app) => app.stop())));
  for (const side of ['a', 'b']) {
    apps.push(await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: suiteName(`${name}-${side}`), KAFKA_TOPIC: topic } }));
  }
  for (const app of apps) await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
  return { topic, admin, a: apps[0]!, b: apps[1]!, groupA: suiteName(`${name}-a`), groupB: suiteName(`${name}-b`) };
}

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

test('counters, the lag gauge and process metrics, separately per app', async (t) => {
  const { topic: TOPIC, admin, a, b, groupA } = await startPair(t, 'counters');
  const first = await scrape(a);
  assert.match(first.contentType, /^text\/plain;/);
  assert.match(first.contentType, /version=0\.0\.4/);
  assert.ok(first.samples.has('process_cpu_user_seconds_total'), 'default process metrics');
  assert.ok([...first.samples.keys()].some((k) => k.startsWith('nodejs_heap_size_total_bytes')), 'default Node.js metrics');
  assert.equal(first.samples.get(`kafka_web_demo_messages_produced_total{topic="${TOPIC}"}`), 0);
  assert.equal(first.samples.get(`kafka_web_demo_instance_info{instance="${a.instanceId}",group="${groupA}",topic="${TOPIC}"}`), 1);
  assert.ok((first.samples.get('kafka_web_demo_consumer_rebalances_total') ?? 0) >= 1, 'joined the group at least once');
  assert.equal(first.samples.get('kafka_web_demo_consumer_crashes_total'), 0);

  const client = new Client(a.url);
  for (let i = 0; i < 6; i++) assert.equal((await client.postJson('/api/messages', { value: `metric-${i}`, key: `k${i}` })).status, 201);
  const ends = await admin.fetchTopicOffsets(TOPIC);

  // One scrape has to show all of it: the counters are read when the scrape starts and the lag
  // a broker round trip later, so a scrape taken mid-way can pair old counters with new lag.
  await waitFor('A counted, committed and shows no lag for all six', async () => {
    const s = await scrape(a);
    assert.equal(s.samples.get(`kafka_web_demo_messages_produced_total{topic="${TOPIC}"}`), 6);
    assert.equal(s.samples.get(`kafka_web_demo_messages_consumed_total{topic="${TOPIC}"}`), 6);
    assert.equal(s.samples.get(`kafka_web_demo_offsets_committed_total{topic="${TOPIC}"}`), 6);
    assert.equal(s.samples.get(`kafka_web_demo_offset_commit_failures_total{topic="${TOPIC}"}`), 0);
    for (const e of ends) {
      assert.equal(s.samples.get(`kafka_web_demo_consumer_lag{group="${groupA}",topic="${TOPIC}",partition="${e.partition}"}`), 0, `partition ${e.partition}`);
    }
    return s;
  });

  // B consumed the same messages in its own group but produced none: its own registry.
  await waitFor('B consumed and committed all six, produced none', async () => {
    const s = await scrape(b);
    assert.equal(s.samples.get(`kafka_web_demo_offsets_committed_total{topic="${TOPIC}"}`), 6);
    assert.equal(s.samples.get(`kafka_web_demo_messages_consumed_total{topic="${TOPIC}"}`), 6);
    assert.equal(s.samples.get(`kafka_web_demo_messages_produced_total{topic="${TOPIC}"}`), 0);
    return s;
  });
});

test('lag follows what the group has not read, per partition, and drops back after consuming', async (t) => {
  const { topic: TOPIC, a, b, groupB } = await startPair(t, 'lag');
  const bClient = new Client(b.url);
  assert.equal((await bClient.postJson('/api/consumer/pause', {})).status, 200);
  const rebalancesBefore = (await scrape(b)).samples.get('kafka_web_demo_consumer_rebalances_total')!;

  const produced = [];
  for (let i = 0; i < 4; i++) produced.push((await new Client(a.url).postJson('/api/messages', { value: `lag-${i}`, key: `lag-${i}` })).json<{ partition: number }>());
  const expected = new Map<number, number>();
  for (const p of produced) expected.set(p.partition, (expected.get(p.partition) ?? 0) + 1);

  // B is paused (out of the group) and has committed nothing: the lag is what was produced.
  // (Waited for only because a scrape whose broker round trip times out carries no lag series.)
  await waitFor('the lag of paused B', async () => {
    const lagging = await scrape(b);
    for (const partition of [0, 1, 2]) {
      assert.equal(
        lagging.samples.get(`kafka_web_demo_consumer_lag{group="${groupB}",topic="${TOPIC}",partition="${partition}"}`),
        expected.get(partition) ?? 0,
        `partition ${partition}`,
      );
    }
    assert.equal(sum(lagging.samples, `kafka_web_demo_consumer_lag{group="${groupB}"`), 4);
    return lagging;
  });

  assert.equal((await bClient.postJson('/api/consumer/resume', {})).status, 200);
  // Lag 0 alone is not enough: the consumed counter of the same scrape may predate the last
  // messages (it is read before the lag), so the wait covers every number asserted.
  await waitFor('B caught up, counted all four and rejoined', async () => {
    const s = await scrape(b);
    assert.equal(sum(s.samples, `kafka_web_demo_consumer_lag{group="${groupB}"`), 0);
    for (const partition of [0, 1, 2]) {
      assert.ok(s.samples.has(`kafka_web_demo_consumer_lag{group="${groupB}",topic="${TOPIC}",partition="${partition}"}`), `lag series for partition ${partition}`);
    }
    assert.equal(s.samples.get(`kafka_web_demo_messages_consumed_total{topic="${TOPIC}"}`), 4);
    assert.ok(s.samples.get('kafka_web_demo_consumer_rebalances_total')! > rebalancesBefore, 'rejoining counts as a rebalance');
    return s;
  });
});
