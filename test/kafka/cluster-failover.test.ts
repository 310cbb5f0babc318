/**
 * Outgrowing one machine: the app on a 3-broker Apache Kafka cluster (npm run kafka -- --nodes 3,
 * the same launcher) survives losing a broker. Topic with replication factor 3 and
 * min.insync.replicas=2, two app instances in one group, a steady stream of POST /api/messages
 * (acks=all) while a broker is SIGKILLed and later restarted: first the active KRaft controller,
 * then the leader of partition 0. Every acknowledged message is consumed by the group, none is
 * lost, a message is consumed twice only around a kill, and the same two app processes keep
 * working throughout (no restart). How long POSTs failed (503) and how long consumption paused
 * is printed, not asserted (timings are for benchmarks, not tests).
 *
 * Runs on every `npm test`, whatever TEST_KAFKA says: it needs its own cluster to kill brokers in.
 * Broker settings are the launcher's (Kafka's defaults apart from internal-topic replication).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { startApacheKafka, type ApacheKafka, type KafkaNode } from '../../scripts/lib/apache-kafka.js';
import { ProcessSet, settledAssignment, spawnApp, waitFor, type AppProcess } from '../multi/harness.js';
import { setTimeout as sleep } from 'node:timers/promises';

const TOPIC = 'cluster-failover';
const GROUP = 'cluster-failover-group';
const WORKERS = 4;
/** Pace of each POST loop after a success: a steady stream of ~4 x 20 msg/s, not a flood. */
const PACE_MS = 50;

const procs = new ProcessSet();
let kafka: ApacheKafka;
let admin: Admin;
let apps: AppProcess[] = [];

before(async () => {
  kafka = await startApacheKafka({ nodes: 3 });
  admin = new Kafka({ brokers: kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 10 } }).admin();
  await admin.connect();
  await admin.createTopics({
    // kafkajs's own wait gives up on the first UNKNOWN_TOPIC_OR_PARTITION from a broker that has
    // not seen the new topic yet; wait for the whole replica set instead.
    waitForLeaders: false,
    topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
  });
  await waitFor('the topic on all three brokers, every replica in sync', fullyReplicated, 90_000, 500);
  apps = ['a', 'b'].map((name) =>
    spawnApp(procs, {
      brokers: kafka.bootstrap,
      groupId: GROUP,
      topic: TOPIC,
      instanceId: `failover-${name}`,
      env: { MESSAGES_CAPACITY: '50000', KAFKA_HEARTBEAT_INTERVAL_MS: '1000' },
    }),
  );
  await Promise.all(apps.map((a) => a.ready(120_000)));
});

after(async () => {
  procs.killAll();
  await admin?.disconnect();
  await kafka?.stop();
});

interface Acked {
  value: string;
  id: string;
  at: number;
}
interface Consumed {
  value: string | null;
  partition: number;
  offset: string;
  receivedAt: string;
  instance: string;
}

/** Every partition of TOPIC has all three replicas in sync again. */
async function fullyReplicated(): Promise<boolean> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  const partitions = topics[0]!.partitions;
  return partitions.length === 3 && partitions.every((p) => p.leader >= 0 && p.isr.length === 3);
}

async function leaderOf(partition: number): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
  return topics[0]!.partitions.find((p) => p.partitionId === partition)!.leader;
}

test('3 brokers, RF 3, min ISR 2: a broker (controller, then a partition leader) is SIGKILLed and restarted under a steady POST stream; every acknowledged message is consumed', { timeout: 600_000 }, async (t) => {
  await settledAssignment(apps, 3, 90_000);
  const pids = apps.map((a) => a.pid);

  const acked: Acked[] = [];
  const failures: number[] = [];
  let seq = 0;
  let producing = true;
  const worker = async (w: number) => {
    while (producing) {
      const app = apps[(seq + w) % apps.length]!;
      const value = `m-${seq++}`;
      try {
        const res = await fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key: `k-${seq % 97}`, value }),
          signal: AbortSignal.timeout(20_000),
        });
        const body = (await res.json()) as { partition?: number; offset?: string };
        if (res.status === 201) {
          acked.push({ value, id: `${body.partition}@${body.offset}`, at: Date.now() });
          await sleep(PACE_MS);
          continue;
        }
        assert.equal(res.status, 503, `a failed POST is a 503 (${JSON.stringify(body)})`);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        // A timeout of the HTTP call itself counts as a failed POST, like a 503.
      }
      failures.push(Date.now());
      await sleep(200);
    }
  };
  const loops = Array.from({ length: WORKERS }, (_, w) => worker(w));
  const ackedSince = (from: number) => acked.filter((a) => a.at > from).length;

  const rounds: Array<{ what: string; node: number; killedAt: number; restartedAt: number; recoveredAt: number }> = [];
  const killAndRestart = async (what: string, node: KafkaNode) => {
    // Some traffic before the kill, so the stream is really running when the broker dies.
    const before = Date.now();
    await waitFor('messages acknowledged before the kill', () => ackedSince(before) >= 40, 60_000);
    const killedAt = Date.now();
    await node.kill('SIGKILL');
    // With one broker of three gone, min.insync.replicas=2 still allows acks=all writes.
    await waitFor(`messages acknowledged while node ${node.id} is down`, () => ackedSince(killedAt) >= 60, 120_000, 200);
    const restartedAt = Date.now();
    await node.restart();
    await waitFor(`node ${node.id} back in every ISR`, fullyReplicated, 120_000, 500);
    rounds.push({ what, node: node.id, killedAt, restartedAt, recoveredAt: Date.now() });
  };

  try {
    const controller = await kafka.quorumLeader();
    await killAndRestart('active controller', kafka.nodes.find((n) => n.id === controller)!);
    const leader = await waitFor('a leader for partition 0', async () => {
      const l = await leaderOf(0);
      return l >= 0 ? l : false;
    });
    await killAndRestart('leader of partition 0', kafka.nodes.find((n) => n.id === leader)!);
    // After both rounds the cluster is whole; the stream keeps being acknowledged.
    const end = Date.now();
    await waitFor('messages acknowledged after recovery', () => ackedSince(end) >= 40, 60_000);
  } finally {
    producing = false;
    await Promise.all(loops);
  }

  // Every acknowledged message reaches the group, which may take a while after the last kill.
  const ackedIds = new Map(acked.map((a) => [a.id, a.value]));
  assert.equal(ackedIds.size, acked.length, 'every acknowledgement names its own partition and offset');
  const consumed = await waitFor('the group consumed every acknowledged message', async () => {
    const lists = await Promise.all(apps.map((a) => a.json<{ messages: Consumed[] }>('/api/messages')));
    const all = lists.flatMap((l) => l.messages);
    const seen = new Set(all.map((m) => `${m.partition}@${m.offset}`));
    return [...ackedIds.keys()].every((id) => seen.has(id)) ? all : false;
  }, 180_000, 1000);
  for (const m of consumed) {
    const id = `${m.partition}@${m.offset}`;
    if (ackedIds.has(id)) assert.equal(m.value, ackedIds.get(id), `${id} holds the acknowledged value`);
  }

  // Duplicates (one record consumed twice) happen only around a kill: a partition moved before
  // its last commit landed. Each repeat delivery falls between a kill and shortly after recovery.
  const byId = new Map<string, Consumed[]>();
  for (const m of consumed) byId.set(`${m.partition}@${m.offset}`, [...(byId.get(`${m.partition}@${m.offset}`) ?? []), m]);
  const duplicated = [...byId].filter(([, ms]) => ms.length > 1);
  const nearKill = (at: number) => rounds.some((r) => at >= r.killedAt && at <= r.recoveredAt + 60_000);
  for (const [id, ms] of duplicated) {
    const repeats = ms.map((m) => Date.parse(m.receivedAt)).sort((x, y) => x - y).slice(1);
    for (const at of repeats) assert.ok(nearKill(at), `${id} delivered again at ${new Date(at).toISOString()}, far from any kill`);
  }

  // The same processes, never restarted, are still serving and in the group.
  assert.deepEqual(apps.map((a) => a.pid), pids);
  for (const a of apps) assert.ok(a.running, `${a.instanceId} is still running`);
  await settledAssignment(apps, 3, 90_000);

  // What a user would want to know, printed.
  const times = consumed.map((m) => Date.parse(m.receivedAt)).sort((x, y) => x - y);
  for (const r of rounds) {
    const fails = failures.filter((f) => f >= r.killedAt && f <= r.recoveredAt);
    const failSpan = fails.length ? ((fails.at(-1)! - r.killedAt) / 1000).toFixed(1) : '0';
    let gap = 0;
    for (let i = 1; i < times.length; i++) if (times[i]! >= r.killedAt && times[i - 1]! <= r.recoveredAt) gap = Math.max(gap, times[i]! - times[i - 1]!);
    t.diagnostic(
      `${r.what} (node ${r.node}) SIGKILLed: ${fails.length} POSTs failed (503) during ${failSpan} s after the kill; ` +
        `longest consumption pause ${(gap / 1000).toFixed(1)} s; down ${((r.restartedAt - r.killedAt) / 1000).toFixed(1)} s, ` +
        `back in every ISR ${((r.recoveredAt - r.restartedAt) / 1000).toFixed(1)} s after the restart`,
    );
  }
  t.diagnostic(`${acked.length} acknowledged, ${failures.length} failed POSTs, ${consumed.length} deliveries, ${duplicated.length} records delivered twice`);
});
