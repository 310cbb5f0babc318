/**
 * The live pictures on /cluster with two real instances in one group: lanes show who owns each
 * partition and where the group's commits are (checked against kafkajs admin), the timeline
 * records the split and, after one instance stops, the move of its partitions to the survivor.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Admin } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { testKafka } from '../helpers/kafka.js';
import { Client, startTestApp, startSuiteBroker, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';

let broker: SuiteBroker;
let a: RunningApp;
let b: RunningApp | undefined;
let admin: Admin;

const GROUP = 'pictures-group';
const TOPIC = 'pictures-topic';
// Instance ids are user data too: they are shown in the lanes, the legend and the timeline.
const A_ID = 'inst-a <b>"x"</b>';
const B_ID = 'inst-b';

before(async () => {
  broker = await startSuiteBroker();
  admin = testKafka([broker.address]).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true });
  const env = { KAFKA_GROUP_ID: GROUP, KAFKA_TOPIC: TOPIC, KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '500' };
  a = await startTestApp(broker.address, { env: { ...env, INSTANCE_ID: A_ID } });
  await waitFor('a owns all', () => a.consumer.status().partitions.length === 3, 30_000);
  b = await startTestApp(broker.address, { env: { ...env, INSTANCE_ID: B_ID } });
});

after(async () => {
  await b?.stop();
  await a?.stop();
  await admin?.disconnect();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

interface Lane {
  partition: number;
  owner: string;
  committed: string;
  end: string;
}

function lanes(html: string): Lane[] {
  return [...html.matchAll(/data-testid="lane" data-partition="(\d+)" data-owner="([^"]*)" data-committed="([^"]*)" data-end="(\d+)"/g)].map((m) => ({
    partition: Number(m[1]),
    owner: unescapeHtml(m[2]!),
    committed: m[3]!,
    end: m[4]!,
  }));
}

function rebalances(html: string): Array<{ members: number; assignment: string }> {
  return [...html.matchAll(/data-testid="rebalance" data-members="(\d+)"[\s\S]*?data-testid="rebalance-assignment">([^<]*)</g)].map((m) => ({
    members: Number(m[1]),
    assignment: unescapeHtml(m[2]!),
  }));
}

test('two instances split the partitions; the lanes show each owner and the committed offsets Kafka has', async () => {
  await waitFor('split', () => a.consumer.status().partitions.length > 0 && b!.consumer.status().partitions.length > 0 && a.consumer.status().partitions.length + b!.consumer.status().partitions.length === 3, 30_000);
  const client = new Client(a.url);
  for (let i = 0; i < 30; i++) assert.equal((await client.postJson('/api/messages', { key: `k-${i}`, value: `v${i}` })).status, 201);
  const ends = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, p.high]));
  await waitFor('all committed', async () => {
    const [c] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    return c!.partitions.every((p) => p.offset === ends.get(p.partition));
  }, 30_000);

  const owners = new Map<number, string>();
  for (const p of a.consumer.status().partitions) owners.set(p, A_ID);
  for (const p of b!.consumer.status().partitions) owners.set(p, B_ID);
  const html = await waitFor('pictures show the split and the commits', async () => {
    const res = await client.get('/cluster/pictures');
    const got = lanes(res.text);
    const want = [0, 1, 2].map((p) => ({ partition: p, owner: owners.get(p)!, committed: ends.get(p)!, end: ends.get(p)! }));
    return JSON.stringify(got) === JSON.stringify(want) ? res.text : undefined;
  });
  assert.doesNotMatch(html, /<b>"x"<\/b>/, 'the instance id is escaped');
  assert.match(html, /data-testid="legend-item" data-instance="inst-a &lt;b&gt;&#34;x&#34;&lt;\/b&gt;"/);
  const split = rebalances(html)[0]!;
  assert.equal(split.members, 2);
  assert.deepEqual(split.assignment.split(', ').sort(), [0, 1, 2].map((p) => `p${p} → ${owners.get(p)}`).sort());

  // The whole page renders the same pictures without JavaScript.
  const page = await client.get('/cluster');
  assert.equal(page.status, 200);
  assert.equal(lanes(page.text).length, 3);
});

test('when an instance stops, its partitions move to the survivor, and the timeline shows the move', async () => {
  await b!.stop();
  b = undefined;
  const client = new Client(a.url);
  const html = await waitFor('survivor owns every lane', async () => {
    const res = await client.get('/cluster/pictures');
    const l = lanes(res.text);
    const r = rebalances(res.text);
    return l.length === 3 && l.every((x) => x.owner === A_ID) && r[0]?.members === 1 ? res.text : undefined;
  }, 30_000);
  const timeline = rebalances(html);
  assert.equal(timeline[0]!.assignment, `p0 → ${A_ID}, p1 → ${A_ID}, p2 → ${A_ID}`);
  assert.ok(timeline.some((e) => e.members === 2), 'the earlier split is still listed');
  // After the move, the charts have samples to draw.
  await waitFor('charts drawn', async () => /data-testid="charts"/.test((await client.get('/cluster/pictures')).text));
});
