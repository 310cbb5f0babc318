/**
 * The group view against what the broker itself reports (kafkajs admin: describeGroups,
 * fetchOffsets, fetchTopicOffsets): members with their instance ids and assignments, committed
 * offsets, end offsets and lag, both for a stable group and for an empty one with a backlog.
 * Resetting offsets is refused while the group has members; on the empty group, a reset to the
 * earliest offset makes a restarted instance read the whole topic again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stepper } from '../helpers/steps.js';
import { AssignerProtocol, Partitioners, type Admin, type Producer } from 'kafkajs';
import { createTopicsAndWait, startSuiteKafka, suiteName, type SuiteKafka } from '../helpers/suite-kafka.js';
import { testKafka } from '../helpers/kafka.js';
import {
  apiMessages,
  flashOf,
  FormClient,
  ProcessSet,
  readyz,
  recordId,
  settledAssignment,
  spawnApp,
  waitFor,
  type AppProcess,
} from './harness.js';

const TOPIC = suiteName('multi-cluster');
const GROUP = suiteName('multi-cluster-group');

const procs = new ProcessSet();
let broker: SuiteKafka;
let admin: Admin;
let producer: Producer;
const produced = new Set<string>();

interface ApiCluster {
  instance: { id: string; groupId: string };
  cluster: {
    topics: Array<{ name: string; partitions: Array<{ partition: number; logStartOffset: string; endOffset: string }> }>;
    groups: Array<{
      groupId: string;
      state: string;
      members: Array<{ memberId: string; clientId: string; instance: string | null; assignment: Array<{ topic: string; partition: number }> }>;
      offsets: Array<{ topic: string; partition: number; committedOffset: string | null; endOffset: string; lag: string; memberId: string | null; instance: string | null }>;
    }>;
  };
}

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

const app = (instanceId: string, groupId = GROUP) =>
  spawnApp(procs, {
    brokers: broker.bootstrap,
    groupId,
    topic: TOPIC,
    instanceId,
    env: { MESSAGES_CAPACITY: '1000', KAFKA_HEARTBEAT_INTERVAL_MS: '1000' },
  });

async function produce(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const [r] = await producer.send({ topic: TOPIC, messages: [{ key: `${prefix}-${i}`, value: `${prefix}-value-${i}` }] });
    produced.add(`${r!.partition}@${r!.baseOffset}`);
  }
}

/** The broker's own account of the group, to hold the app's view against. */
async function brokerView() {
  const [described] = (await admin.describeGroups([GROUP])).groups;
  const members = described!.members.map((m) => {
    const decoded = m.memberAssignment.length ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
    return { memberId: m.memberId, clientId: m.clientId, partitions: [...(decoded?.assignment[TOPIC] ?? [])].sort((a, b) => a - b) };
  });
  const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
  const ends = await admin.fetchTopicOffsets(TOPIC);
  return {
    state: described!.state,
    members,
    committed: new Map(committed!.partitions.map((p) => [p.partition, Number(p.offset) >= 0 ? p.offset : null])),
    ends: new Map(ends.map((e) => [e.partition, { low: e.low, high: e.high }])),
  };
}

async function groupFrom(viewer: AppProcess) {
  const body = await viewer.json<ApiCluster>('/api/cluster');
  const group = body.cluster.groups.find((g) => g.groupId === GROUP);
  assert.ok(group, `${GROUP} is listed`);
  return { group, topic: body.cluster.topics.find((t) => t.name === TOPIC)! };
}

/** Every number the view shows for our topic equals the broker's. */
function assertOffsetsMatch(view: Awaited<ReturnType<typeof groupFrom>>, truth: Awaited<ReturnType<typeof brokerView>>): void {
  const rows = view.group.offsets.filter((o) => o.topic === TOPIC).sort((a, b) => a.partition - b.partition);
  assert.deepEqual(rows.map((r) => r.partition), [0, 1, 2]);
  for (const r of rows) {
    const end = truth.ends.get(r.partition)!;
    const committed = truth.committed.get(r.partition) ?? null;
    assert.equal(r.endOffset, end.high, `p${r.partition} end offset`);
    assert.equal(r.committedOffset, committed, `p${r.partition} committed offset`);
    const expectedLag = BigInt(end.high) - BigInt(committed ?? end.low);
    assert.equal(r.lag, expectedLag.toString(), `p${r.partition} lag`);
  }
  for (const p of view.topic.partitions) assert.equal(p.endOffset, truth.ends.get(p.partition)!.high);
}

test('one group seen from two instances, in steps on the same processes', { timeout: 270_000 }, async (t) => {
  const step = stepper(t);
  let a: AppProcess;
  let b: AppProcess;

  await step('a stable group: members, assignment, committed offsets and lag match the broker', async () => {
    a = app('cluster-a');
    b = app('cluster-b');
    await Promise.all([a.ready(), b.ready()]);
    const owners = await settledAssignment([a, b], 3);

    await produce('first', 45);
    await waitFor('everything consumed and committed', async () => {
      const truth = await brokerView();
      return [...truth.ends].every(([p, e]) => truth.committed.get(p) === e.high);
    });

    // Both instances serve the same cluster-wide view; check it from each.
    for (const viewer of [a, b]) {
      const view = await groupFrom(viewer);
      const truth = await brokerView();
      assert.equal(view.group.state, truth.state);
      assert.equal(view.group.state, 'Stable');
      assert.equal(view.group.members.length, 2);
      assert.deepEqual(new Set(view.group.members.map((m) => m.memberId)), new Set(truth.members.map((m) => m.memberId)));
      for (const m of view.group.members) {
        const brokerSide = truth.members.find((x) => x.memberId === m.memberId)!;
        const mine = m.assignment.filter((x) => x.topic === TOPIC).map((x) => x.partition);
        assert.deepEqual(mine, brokerSide.partitions, `${m.instance}'s assignment as the broker has it`);
        assert.ok(m.instance === 'cluster-a' || m.instance === 'cluster-b', `member labelled with its instance id (${m.instance})`);
        // ...and as the instance itself reports it.
        assert.deepEqual(mine, owners.get(m.instance!));
      }
      assertOffsetsMatch(view, truth);
      for (const row of view.group.offsets) {
        assert.equal(row.lag, '0');
        assert.ok(owners.get(row.instance!)?.includes(row.partition), `p${row.partition} attributed to its owner`);
      }
    }

    // The page renders the same group with both instances.
    const page = await new FormClient(a.url).get('/cluster');
    assert.equal(page.status, 200);
    for (const s of [GROUP, 'cluster-a', 'cluster-b']) assert.ok(page.text.includes(s), `/cluster shows ${s}`);
  });

  await step('reset is refused while the group has members; the offsets stay as they were', async () => {
    const before = await brokerView();
    const client = new FormClient(a.url);
    const res = await client.postForm('/cluster', '/cluster/reset', { group: GROUP, topic: TOPIC, to: 'earliest', timestamp: '', offset: '', partition: '' });
    assert.equal(res.status, 303);
    const flash = flashOf((await client.get(res.location ?? '/cluster')).text);
    assert.equal(flash?.kind, 'danger', `refused (flash: ${flash?.text})`);
    assert.match(flash!.text, /active members/);
    const after = await brokerView();
    assert.deepEqual(after.committed, before.committed);
    assert.equal(after.members.length, 2);
  });

  await step('empty group: backlog shown as lag; reset to earliest; a restarted instance replays everything', async () => {
    assert.deepEqual(await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]), [
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    await produce('backlog', 15);

    // Another instance in another group serves the view and the reset form.
    const viewer = app('cluster-viewer', suiteName('multi-cluster-viewer-group'));
    await viewer.ready();
    const view = await waitFor('group shown as empty', async () => {
      const v = await groupFrom(viewer);
      return v.group.state === 'Empty' ? v : false;
    });
    const truth = await brokerView();
    assert.equal(truth.state, 'Empty');
    assert.equal(view.group.members.length, 0);
    assertOffsetsMatch(view, truth);
    const lag = view.group.offsets.filter((o) => o.topic === TOPIC).reduce((n, o) => n + Number(o.lag), 0);
    assert.equal(lag, 15, 'the 15 messages produced while nobody consumed');

    const client = new FormClient(viewer.url);
    const res = await client.postForm('/cluster', '/cluster/reset', { group: GROUP, topic: TOPIC, to: 'earliest', timestamp: '', offset: '', partition: '' });
    assert.equal(res.status, 303);
    const flash = flashOf((await client.get(res.location ?? '/cluster')).text);
    assert.equal(flash?.kind, 'success', `reset accepted (flash: ${flash?.text})`);
    const reset = await brokerView();
    for (const [p, e] of reset.ends) assert.equal(reset.committed.get(p), e.low, `p${p} back at the log start`);
    assertOffsetsMatch(await groupFrom(viewer), reset);

    const again = app('cluster-a');
    await again.ready();
    assert.equal((await readyz(again)).partitions.length, 3, 'alone in the group');
    const replayed = await waitFor('the restarted instance replayed the whole topic', async () => {
      const ids = (await apiMessages(again)).filter((m) => m.topic === TOPIC).map(recordId);
      return ids.length >= produced.size ? ids : false;
    }, 60_000, 500);
    assert.equal(produced.size, 60);
    assert.deepEqual(new Set(replayed), produced);
    assert.equal(replayed.length, produced.size, 'each message once');
  });
});
