/**
 * Failover after a crash. Two instances consume and commit a first batch; a third joins in
 * `no-commit-crash` mode, takes a partition, and exits on its 5th message without committing
 * anything. After its session times out the survivors take its partition over from the last
 * committed offset: every produced message ends up in the survivors' lists exactly once,
 * including the ones the crashed instance had received but not committed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import { CRASH_LOG_MESSAGE } from '../../src/kafka/failure-switch.js';
import { createTopicsAndWait, startSuiteKafka, suiteName, type SuiteKafka } from '../helpers/suite-kafka.js';
import { testKafka } from '../helpers/kafka.js';
import { apiMessages, ProcessSet, recordId, settledAssignment, spawnApp, waitFor, type ApiMessage, type AppProcess } from './harness.js';

const TOPIC = suiteName('multi-crash');
const GROUP = suiteName('multi-crash-group');
// Also Kafka's group.min.session.timeout.ms: the shortest session Apache Kafka accepts.
const SESSION_MS = 6000;
const CRASH_AFTER = 5;

const procs = new ProcessSet();
let broker: SuiteKafka;
let admin: Admin;
let producer: Producer;

before(async () => {
  broker = await startSuiteKafka();
  const kafka = testKafka(broker.brokers);
  admin = kafka.admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: TOPIC, numPartitions: 3 }]);
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

after(async () => {
  procs.killAll();
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.cleanup();
});

const app = (name: string, env: Record<string, string> = {}) =>
  spawnApp(procs, {
    brokers: broker.bootstrap,
    groupId: GROUP,
    topic: TOPIC,
    instanceId: name,
    env: { MESSAGES_CAPACITY: '1000', KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS), KAFKA_HEARTBEAT_INTERVAL_MS: '1000', ...env },
  });

/** Sends `count` keyed messages and returns their record ids (partition@offset). */
async function produce(prefix: string, count: number): Promise<Set<string>> {
  const ids = new Set<string>();
  // One message per send: each answer gives that message's own partition and offset.
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({ key: `${prefix}-${i + j}`, value: `${prefix}-value-${i + j}` }));
    const results = await Promise.all(batch.map((m) => producer.send({ topic: TOPIC, messages: [m] })));
    for (const [r] of results) ids.add(`${r!.partition}@${r!.baseOffset}`);
  }
  return ids;
}

async function committed(): Promise<Map<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  return new Map(t!.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function consumedBy(apps: AppProcess[]): Promise<ApiMessage[]> {
  return (await Promise.all(apps.map((a) => apiMessages(a)))).flat().filter((m) => m.topic === TOPIC);
}

test('no-commit-crash: the survivors receive everything the crashed instance had not committed', { timeout: 120_000 }, async () => {
  const b = app('survivor-b');
  const c = app('survivor-c');
  await Promise.all([b.ready(), c.ready()]);
  await settledAssignment([b, c], 3);

  const first = await produce('first', 30);
  await waitFor('first batch consumed and committed', async () => {
    const ids = new Set((await consumedBy([b, c])).map(recordId));
    if (![...first].every((id) => ids.has(id))) return false;
    const high = await admin.fetchTopicOffsets(TOPIC);
    const done = await committed();
    return high.every((h) => done.get(h.partition) === Number(h.high));
  });

  const a = app('crasher-a', { FAILURE_MODE: 'no-commit-crash', FAILURE_AFTER_MESSAGES: String(CRASH_AFTER) });
  await a.ready();
  const owners = await settledAssignment([a, b, c], 3);
  const aPartitions = owners.get('crasher-a')!;
  const committedBefore = await committed();

  const second = await produce('second', 90);
  const onA = [...second].filter((id) => aPartitions.includes(Number(id.split('@')[0])));
  assert.ok(onA.length >= CRASH_AFTER, `enough messages for a's partitions ${aPartitions} (${onA.length})`);

  const exit = await a.exited;
  assert.deepEqual(exit, { code: 1, signal: null }, 'the failure switch exits the process');
  const crash = a.logged(CRASH_LOG_MESSAGE);
  assert.ok(crash, `crash logged\n${a.stdout()}`);
  assert.equal(crash.uncommitted, CRASH_AFTER);
  const crashedRecord = `${crash.partition}@${crash.offset}`;
  // Nothing was committed for a's partitions while it owned them.
  const atDeath = await committed();
  for (const p of aPartitions) assert.equal(atDeath.get(p), committedBefore.get(p), `p${p} commit unchanged by the crashed instance`);

  // After a's session expires (no LeaveGroup from a crashed process), b and c take over.
  const survivorOwners = await settledAssignment([b, c], 3, SESSION_MS + 40_000);
  assert.equal(survivorOwners.size, 2);
  const everything = new Set([...first, ...second]);
  const lists = await waitFor('survivors received every produced message', async () => {
    const msgs = await consumedBy([b, c]);
    const ids = new Set(msgs.map(recordId));
    return [...everything].every((id) => ids.has(id)) ? msgs : false;
  }, 45_000, 500);

  const ids = lists.map(recordId);
  assert.equal(new Set(ids).size, ids.length, 'the takeover resumed at the committed offset: nothing twice');
  assert.deepEqual(new Set(ids), everything, 'exactly what was produced');
  const redelivered = lists.find((m) => recordId(m) === crashedRecord);
  assert.ok(redelivered, 'the message the crash interrupted was redelivered');
  assert.notEqual(redelivered.instance, 'crasher-a');

  // And the group's commits now reach the end of every partition.
  const high = await admin.fetchTopicOffsets(TOPIC);
  await waitFor('commits reach the high watermarks', async () => {
    const done = await committed();
    return high.every((h) => done.get(h.partition) === Number(h.high));
  });
});
