/**
 * Three app processes in one consumer group over a 3-partition topic on the embedded broker:
 * 300 keyed messages sent through the instances' JSON API are consumed exactly once across the
 * group, each by the owner of its partition. Then one instance gets SIGTERM: it leaves the group,
 * its partition moves to the survivors well before its session could have expired, and nothing
 * is lost or read twice.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stepper } from '../helpers/steps.js';
import type { Admin } from 'kafkajs';
import { createTopicsAndWait, startSuiteKafka, suiteName, type SuiteKafka } from '../helpers/suite-kafka.js';
import { testKafka } from '../helpers/kafka.js';
import {
  apiMessages,
  mapLimit,
  postMessage,
  ProcessSet,
  readyz,
  recordId,
  settledAssignment,
  spawnApp,
  waitFor,
  type ApiMessage,
  type AppProcess,
} from './harness.js';

const TOPIC = suiteName('multi-distribution');
const GROUP = suiteName('multi-distribution-group');
// Long enough that a hand-over seen within SESSION_MS proves LeaveGroup, not session expiry.
const SESSION_MS = 30_000;

const procs = new ProcessSet();
let broker: SuiteKafka;
let admin: Admin;
let apps: AppProcess[] = [];

before(async () => {
  broker = await startSuiteKafka();
  admin = testKafka(broker.brokers).admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: TOPIC, numPartitions: 3 }]);
  apps = ['a', 'b', 'c'].map((name) =>
    spawnApp(procs, {
      brokers: broker.bootstrap,
      groupId: GROUP,
      topic: TOPIC,
      instanceId: `instance-${name}`,
      env: {
        MESSAGES_CAPACITY: '1000',
        KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS),
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      },
    }),
  );
  await Promise.all(apps.map((a) => a.ready()));
});

after(async () => {
  procs.killAll();
  await admin?.disconnect();
  await broker?.cleanup();
});

async function committed(): Promise<Map<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  return new Map(t!.partitions.map((p) => [p.partition, p.offset]));
}

async function highWatermarks(): Promise<Map<number, string>> {
  return new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, p.high]));
}

/** Messages of this test's topic per instance, as each instance's API reports them. */
async function collect(from: AppProcess[]): Promise<Map<string, ApiMessage[]>> {
  const lists = await Promise.all(from.map(async (a) => [a.instanceId, (await apiMessages(a)).filter((m) => m.topic === TOPIC)] as const));
  return new Map(lists);
}

function union(lists: Map<string, ApiMessage[]>): ApiMessage[] {
  return [...lists.values()].flat();
}

test('three instances in one group, in steps on the same processes', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  const sent = new Map<string, { key: string; value: string }>();

  await step('300 keyed messages through three instances: each consumed exactly once, by its partition owner', async () => {
    const owners = await settledAssignment(apps, 3);
    assert.equal(owners.size, 3);

    const items = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, value: `value-${i}` }));
    await mapLimit(items, 8, async (item, i) => {
      const record = await postMessage(apps[i % apps.length]!, { topic: TOPIC, ...item });
      sent.set(recordId(record as { partition: number; offset: string }), item);
    });
    assert.equal(sent.size, 300, 'the broker assigned 300 distinct offsets');

    const lists = await waitFor('all 300 consumed', async () => {
      const l = await collect(apps);
      return union(l).length >= 300 ? l : false;
    }, 60_000, 500);
    const all = union(lists);
    const ids = all.map(recordId);
    assert.equal(new Set(ids).size, ids.length, 'no message was consumed twice');
    assert.deepEqual(new Set(ids), new Set(sent.keys()), 'exactly the sent messages');
    for (const m of all) assert.deepEqual({ key: m.key, value: m.value }, sent.get(recordId(m)));

    for (const [instance, messages] of lists) {
      assert.ok(messages.length > 0, `${instance} consumed some`);
      const mine = owners.get(instance)!;
      for (const m of messages) {
        assert.equal(m.instance, instance);
        assert.ok(mine.includes(m.partition), `${instance} only reads its own partitions ${mine} (got p${m.partition})`);
      }
    }

    // Each record was committed after it was stored: the group's offsets reach the log end.
    const high = await highWatermarks();
    await waitFor('commits reach the high watermarks', async () => {
      const c = await committed();
      return [...high].every(([p, h]) => c.get(p) === h);
    });
  });

  await step('SIGTERM: the instance leaves the group, its partition moves at once, nothing lost or repeated', async () => {
    assert.equal(sent.size, 300, 'the first step sent 300');
    const [a, b, c] = apps as [AppProcess, AppProcess, AppProcess];
    const before = await readyz(c);
    assert.ok(before.partitions.length > 0);

    const stoppedAt = Date.now();
    assert.deepEqual(await c.stop('SIGTERM'), { code: 0, signal: null }, c.stderr());
    assert.ok(c.logged('stopped'), 'graceful shutdown completed');

    // Survivors cover all three partitions; this must happen well within c's 30 s session, so it
    // was c's LeaveGroup that triggered the rebalance, not the broker giving up on it.
    const owners = await settledAssignment([a, b], 3, SESSION_MS - 5000);
    assert.ok(Date.now() - stoppedAt < SESSION_MS, 'reassigned before c could have been expired');
    assert.equal(owners.size, 2);

    const [group] = (await admin.describeGroups([GROUP])).groups;
    assert.equal(group!.state, 'Stable');
    assert.equal(group!.members.length, 2, 'the broker no longer lists the stopped member');

    // New messages, including ones for c's old partition, reach the survivors only once; the
    // earlier ones were committed, so nobody gets them again.
    const more = Array.from({ length: 90 }, (_, i) => ({ key: `after-${i}`, value: `after-value-${i}` }));
    const later = new Set<string>();
    await mapLimit(more, 8, async (item, i) => {
      const record = (await postMessage([a, b][i % 2]!, { topic: TOPIC, ...item })) as { partition: number; offset: string };
      later.add(recordId(record));
    });
    assert.ok([...later].some((id) => before.partitions.includes(Number(id.split('@')[0]))), 'some went to the moved partition');

    const lists = await waitFor('survivors consumed the new messages', async () => {
      const l = await collect([a, b]);
      const ids = new Set(union(l).map(recordId));
      return [...later].every((id) => ids.has(id)) ? l : false;
    }, 60_000, 500);
    const ids = union(lists).map(recordId);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates among the survivors');
    const newOnes = ids.filter((id) => later.has(id));
    assert.equal(newOnes.length, 90);
    // Records the survivors hold are either ones they consumed before (their own partitions) or new.
    for (const id of ids) assert.ok(later.has(id) || sent.has(id));
    const oldOnMoved = union(lists).filter((m) => sent.has(recordId(m)) && before.partitions.includes(m.partition));
    assert.deepEqual(oldOnMoved, [], 'the stopped instance committed its messages; none were redelivered');
  });
});
