/**
 * The group view (/cluster, /api/cluster) and its admin actions against the embedded broker.
 * Everything the page claims is compared with what the test's own kafkajs admin client reads
 * from the broker; the app's admin client is never used for the expected values.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
import type { RunningApp } from '../../src/main.js';
import { createKafkaGateway, GroupNotEmptyError } from '../../src/kafka/gateway/index.js';
import { Client, startTestApp, startSuiteBroker, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';
import { createTopicsAndWait, suiteName } from '../helpers/suite-kafka.js';

const FORM_TOPIC = suiteName('made-by-form');
const ORPHAN = suiteName('orphan-group');
const SWITCHED = suiteName('switched-group');
const GUARDED = suiteName('guarded-group');

let broker: SuiteBroker;
let admin: Admin;

type Sent = Array<{ value: string; partition: number; offset: string }>;

interface ApiCluster {
  instance: { id: string; groupId: string; consumer: { state: string; partitions: number[] }; failure: { mode: string } };
  cluster: {
    topics: Array<{ name: string; partitions: Array<{ partition: number; logStartOffset: string; endOffset: string }> }>;
    groups: Array<{
      groupId: string;
      state: string;
      protocol: string;
      members: Array<{ memberId: string; clientId: string; clientHost: string; instance: string | null; assignment: Array<{ topic: string; partition: number }> }>;
      offsets: Array<{ topic: string; partition: number; committedOffset: string | null; endOffset: string; lag: string; memberId: string | null; instance: string | null }>;
    }>;
  };
}

async function produce(client: Client, sent: Sent, value: string, key?: string) {
  const res = await client.postJson('/api/messages', { value, key });
  assert.equal(res.status, 201);
  const r = res.json<{ partition: number; offset: string }>();
  sent.push({ value, partition: r.partition, offset: r.offset });
  return r;
}

async function committed(groupId: string, topic: string): Promise<Map<number, string>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map(t!.partitions.map((p) => [p.partition, p.offset]));
}

async function groupState(groupId: string): Promise<string> {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]!.state;
}

/** One cell of a row of the server-rendered tables, as text. */
function cell(html: string, rowTestId: string, attrs: string, field: string): string | undefined {
  const at = html.indexOf(`data-testid="${rowTestId}" ${attrs}`);
  if (at < 0) return undefined;
  const row = html.slice(at, html.indexOf('</tr>', at));
  const m = new RegExp(`data-field="${field}">([\\s\\S]*?)</td>`).exec(row);
  return m ? unescapeHtml(m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()) : undefined;
}

/** The HTML of one group's card on /cluster. */
function groupCard(html: string, groupId: string): string {
  const at = html.indexOf(`data-testid="group" data-group="${groupId}"`);
  assert.ok(at >= 0, `group ${groupId} is on the page`);
  return html.slice(at, html.indexOf('</section>', at));
}

before(async () => {
  broker = await startSuiteBroker();
  admin = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

after(async () => {
  await admin?.disconnect();
  await broker?.close();
  if (broker) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

/**
 * Each test gets its own app, consuming its own topic `<name>-topic` in its own group
 * `<name>-group`, with `messages` messages produced and consumed: no test depends on what an
 * earlier one paused, reset or switched.
 */
async function setup(t: TestContext, name: string, messages = 9) {
  const TOPIC = suiteName(`${name}-topic`);
  const GROUP = suiteName(`${name}-group`);
  const app = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: GROUP, KAFKA_TOPIC: TOPIC, MESSAGES_CAPACITY: '200' } });
  t.after(() => app.stop());
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
  const client = new Client(app.url);
  const sent: Sent = [];
  for (let i = 0; i < messages; i++) await produce(client, sent, `m-${i}`, `key-${i}`);
  await waitFor('all consumed', () => app.store.size === messages);
  return { app, TOPIC, GROUP, sent, client };
}

test('/api/cluster and /cluster show topics, the group, its member, assignment, committed offsets and lag as the broker reports them', async (t) => {
  const { app, TOPIC, GROUP, client } = await setup(t, 'view');
  const ends = await admin.fetchTopicOffsets(TOPIC);
  // Wait for the commits of all nine messages to land, as the broker and as the app's view say.
  const offsets = await waitFor('commits caught up', async () => {
    const c = await committed(GROUP, TOPIC);
    return ends.every((e) => e.high === '0' || c.get(e.partition) === e.high) ? c : undefined;
  });
  const res = await client.get('/api/cluster');
  assert.equal(res.status, 200);
  const body = res.json<ApiCluster>();
  assert.equal(body.instance.id, app.instanceId);
  assert.equal(body.instance.groupId, GROUP);

  const topic = body.cluster.topics.find((t) => t.name === TOPIC)!;
  assert.deepEqual(
    topic.partitions.map((p) => [p.partition, p.logStartOffset, p.endOffset]),
    ends.sort((a, b) => a.partition - b.partition).map((e) => [e.partition, e.low, e.high]),
  );

  const { groups } = await admin.describeGroups([GROUP]);
  const brokerView = groups[0]!;
  const group = body.cluster.groups.find((g) => g.groupId === GROUP)!;
  assert.equal(group.state, brokerView.state);
  assert.equal(group.state, 'Stable');
  assert.equal(group.protocol, 'RoundRobinAssigner');
  assert.deepEqual(group.members.map((m) => m.memberId), brokerView.members.map((m) => m.memberId));
  const member = group.members[0]!;
  assert.equal(member.instance, app.instanceId, 'the instance id travels in the member metadata');
  assert.equal(member.clientId, `kafka-web-demo-${app.instanceId}`, 'and in the client id');
  assert.equal(member.clientHost, brokerView.members[0]!.clientHost);
  assert.deepEqual(member.assignment, [0, 1, 2].map((partition) => ({ topic: TOPIC, partition })));

  for (const row of group.offsets.filter((o) => o.topic === TOPIC)) {
    const end = ends.find((e) => e.partition === row.partition)!.high;
    assert.equal(row.endOffset, end);
    const c = offsets.get(row.partition)!;
    assert.equal(row.committedOffset, c === '-1' ? null : c);
    assert.equal(row.lag, '0');
    assert.equal(row.instance, app.instanceId);
    assert.equal(row.memberId, member.memberId);
  }

  // The page says the same, server-rendered (readable without JavaScript).
  const page = await client.get('/cluster');
  assert.equal(page.status, 200);
  assert.match(page.text, /<script src="\/static\/js\/cluster-live\.js" defer><\/script>/);
  const card = groupCard(page.text, GROUP);
  assert.match(card, /data-testid="group-state">Stable</);
  assert.ok(card.includes(member.memberId));
  assert.equal(cell(card, 'member', `data-member="${member.memberId}"`, 'instance'), `${app.instanceId} this instance`);
  for (const e of ends) {
    const attrs = `data-topic="${TOPIC}" data-partition="${e.partition}"`;
    assert.equal(cell(page.text, 'topic-partition', attrs, 'end'), e.high);
    assert.equal(cell(page.text, 'topic-partition', attrs, 'log-start'), e.low);
    assert.equal(cell(card, 'offset-row', attrs, 'committed'), offsets.get(e.partition) === '-1' ? '—' : offsets.get(e.partition));
    assert.equal(cell(card, 'offset-row', attrs, 'lag'), '0');
    assert.equal(cell(card, 'offset-row', attrs, 'assigned-to'), app.instanceId);
  }
  assert.match(page.text, new RegExp(`data-testid="nav-instance-id">${app.instanceId.replace(/\./g, '\\.')}<`));
  assert.match(page.text, new RegExp(`data-testid="nav-group">${GROUP}<`));
});

test('create a topic and add partitions through the forms; bad input gets field errors, refusals get a flash', async (t) => {
  const { client } = await setup(t, 'forms', 0);
  const created = await client.clusterForm('/cluster/topics', { topic: FORM_TOPIC, partitions: '4' });
  assert.equal(created.status, 303);
  assert.equal(created.headers.get('location'), '/cluster');
  assert.deepEqual(await client.flashText(), { kind: 'success', text: `Created topic ${FORM_TOPIC} with 4 partition(s).`, detail: '' });
  const meta = await admin.fetchTopicMetadata({ topics: [FORM_TOPIC] });
  assert.equal(meta.topics[0]!.partitions.length, 4);

  const bad = await client.clusterForm('/cluster/topics', { topic: 'bad name!', partitions: '0' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /data-testid="error-create-topic">Topic may only contain letters, digits, &#34;.&#34;, &#34;_&#34; and &#34;-&#34;\.</);
  assert.match(bad.text, /data-testid="error-create-partitions">Enter a whole number from 1 to 1000\.</);
  assert.ok(bad.text.includes('value="bad name!"'), 'the typed value is kept');

  const again = await client.clusterForm('/cluster/topics', { topic: FORM_TOPIC, partitions: '2' });
  assert.equal(again.status, 303);
  const exists = await client.flashText();
  assert.equal(exists?.kind, 'danger');
  assert.equal(exists?.text, `Topic ${FORM_TOPIC} was not created: a topic named ${FORM_TOPIC} already exists.`);

  const grown = await client.clusterForm('/cluster/partitions', { topic: FORM_TOPIC, count: '6' });
  assert.equal(grown.status, 303);
  assert.equal((await client.flashText())?.text, `Topic ${FORM_TOPIC} now has 6 partitions (it had 4).`);
  assert.equal((await admin.fetchTopicMetadata({ topics: [FORM_TOPIC] })).topics[0]!.partitions.length, 6);

  await client.clusterForm('/cluster/partitions', { topic: FORM_TOPIC, count: '5' });
  const shrink = await client.flashText();
  assert.equal(shrink?.kind, 'danger');
  assert.equal(
    shrink?.text,
    `No partitions were added to ${FORM_TOPIC}: topic ${FORM_TOPIC} already has 6 partitions; the new total must be larger (Kafka cannot remove partitions).`,
  );
  await client.clusterForm('/cluster/partitions', { topic: 'no-such-topic', count: '5' });
  assert.equal((await client.flashText())?.text, 'No partitions were added to no-such-topic: there is no topic no-such-topic.');
  assert.ok(!(await admin.listTopics()).includes('no-such-topic'), 'checking does not auto-create the topic');

  const notNumber = await client.clusterForm('/cluster/partitions', { topic: FORM_TOPIC, count: 'many' });
  assert.equal(notNumber.status, 400);
  assert.match(notNumber.text, /data-testid="error-partitions-count">Enter a whole number from 2 to 10000\.</);

  // Every form is CSRF-checked.
  await client.get('/cluster');
  const forged = await client.postForm('/cluster/topics', { topic: 'forged-topic', partitions: '1' });
  assert.equal(forged.status, 403);
  assert.ok(!(await admin.listTopics()).includes('forged-topic'));

  // The new topic shows up in the view.
  const view = (await client.get('/api/cluster')).json<ApiCluster>();
  assert.equal(view.cluster.topics.find((t) => t.name === FORM_TOPIC)?.partitions.length, 6);
});

test('delete group: refused while it has members, done for an Empty group, "no such group" afterwards', async (t) => {
  const { TOPIC, GROUP, client } = await setup(t, 'delete', 0);
  await waitFor('group stable', async () => (await groupState(GROUP)) === 'Stable');
  await client.clusterForm('/cluster/delete-group', { group: GROUP });
  const refused = await client.flashText();
  assert.equal(refused?.kind, 'danger');
  assert.equal(
    refused?.text,
    `Group ${GROUP} was not deleted: the group has active members (state Stable, 1 member(s)). Kafka allows this only while a group has no members; stop its consumers first.`,
  );
  assert.equal(await groupState(GROUP), 'Stable');

  // A group that only has committed offsets (no members) is Empty and may go.
  await admin.setOffsets({ groupId: ORPHAN, topic: TOPIC, partitions: [{ partition: 0, offset: '1' }] });
  await waitFor('orphan group empty', async () => (await groupState(ORPHAN)) === 'Empty');
  await client.clusterForm('/cluster/delete-group', { group: ORPHAN });
  assert.deepEqual(await client.flashText(), { kind: 'success', text: `Deleted group ${ORPHAN}.`, detail: '' });
  const { groups } = await admin.listGroups();
  assert.ok(!groups.some((g) => g.groupId === ORPHAN));

  await client.clusterForm('/cluster/delete-group', { group: ORPHAN });
  assert.equal((await client.flashText())?.text, `Group ${ORPHAN} was not deleted: there is no group ${ORPHAN}.`);

  const empty = await client.clusterForm('/cluster/delete-group', { group: '   ' });
  assert.equal(empty.status, 400);
  assert.match(empty.text, /data-testid="error-deleteGroup-group">Group id is required\.</);
});

test('reset offsets: refused while the group has members; after stopping the consumer, earliest replays everything, and offset/time targets commit real numbers', async (t) => {
  const { app, TOPIC, GROUP, sent, client } = await setup(t, 'reset');
  const ends9 = await admin.fetchTopicOffsets(TOPIC);
  const before = await waitFor('all nine committed', async () => {
    const c = await committed(GROUP, TOPIC);
    return ends9.every((e) => e.high === '0' || c.get(e.partition) === e.high) ? c : undefined;
  });
  await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'earliest' });
  const refused = await client.flashText();
  assert.equal(refused?.kind, 'danger');
  assert.ok(
    refused!.text.startsWith(`The offsets of group ${GROUP} were not reset: the group has active members (state Stable, 1 member(s)).`),
    refused!.text,
  );
  assert.deepEqual(await committed(GROUP, TOPIC), before, 'nothing was committed');

  // Stop this instance's consumer from the page: it leaves, the group becomes Empty.
  const paused = await client.clusterForm('/cluster/consumer', { action: 'pause' });
  assert.equal(paused.status, 303);
  assert.equal(app.consumer.status().state, 'paused');
  const readiness = await client.get('/readyz');
  assert.equal(readiness.status, 200, 'a deliberately paused consumer keeps the instance ready');
  assert.equal(readiness.json<{ consumer: { state: string } }>().consumer.state, 'paused');
  await waitFor('group empty', async () => (await groupState(GROUP)) === 'Empty');
  const page = await client.get('/cluster');
  assert.match(groupCard(page.text, GROUP), /data-testid="no-members"/);
  assert.match(page.text, /data-testid="resume"/);

  await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'earliest' });
  const done = await client.flashText();
  assert.equal(done?.kind, 'success');
  assert.equal(done?.text, `Offsets of group ${GROUP} on ${TOPIC} reset (partition→offset): 0→0, 1→0, 2→0.`);
  assert.deepEqual([...(await committed(GROUP, TOPIC)).values()], ['0', '0', '0']);
  const ends = await admin.fetchTopicOffsets(TOPIC);
  const view = (await client.get('/api/cluster')).json<ApiCluster>();
  for (const row of view.cluster.groups.find((g) => g.groupId === GROUP)!.offsets) {
    assert.equal(row.committedOffset, '0');
    assert.equal(row.lag, ends.find((e) => e.partition === row.partition)!.high, 'lag is the whole partition');
  }

  // Restarting the consumer replays the topic from the start.
  await client.clusterForm('/cluster/consumer', { action: 'resume' });
  const replayed = await waitFor('topic replayed', () => (app.store.size === 18 ? app.store.newestFirst() : undefined), 30_000);
  for (const s of sent) {
    assert.equal(replayed.filter((m) => m.value === s.value).length, 2, `${s.value} seen twice`);
  }

  // Offset and time targets, on the stopped group again.
  await client.clusterForm('/cluster/consumer', { action: 'pause' });
  await waitFor('group empty again', async () => (await groupState(GROUP)) === 'Empty');
  const high = new Map((await admin.fetchTopicOffsets(TOPIC)).map((e) => [e.partition, BigInt(e.high)]));
  await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'offset', offset: '2', partition: '' });
  assert.equal((await client.flashText())?.kind, 'success');
  const clamped = await committed(GROUP, TOPIC);
  for (const [p, h] of high) assert.equal(clamped.get(p), String(h < 2n ? h : 2n), `partition ${p} clamped into its range`);

  await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'offset', offset: '1', partition: '1' });
  const one = await committed(GROUP, TOPIC);
  assert.equal(one.get(1), '1');
  assert.equal(one.get(0), clamped.get(0), 'other partitions untouched');

  await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'offset', offset: '1', partition: '7' });
  assert.equal((await client.flashText())?.text, `The offsets of group ${GROUP} were not reset: topic ${TOPIC} has no partition 7 (it has 3).`);

  await new Promise((r) => setTimeout(r, 20));
  const cut = new Date();
  await new Promise((r) => setTimeout(r, 20));
  const later: Array<{ partition: number; offset: string }> = [];
  for (let i = 0; i < 4; i++) later.push(await produce(client, sent, `late-${i}`, `late-key-${i}`));
  await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'timestamp', timestamp: cut.toISOString() });
  assert.equal((await client.flashText())?.kind, 'success');
  const byTime = await committed(GROUP, TOPIC);
  const highNow = new Map((await admin.fetchTopicOffsets(TOPIC)).map((e) => [e.partition, e.high]));
  for (const [p, h] of highNow) {
    const first = later.filter((l) => l.partition === p).map((l) => BigInt(l.offset)).sort((a, b) => (a < b ? -1 : 1))[0];
    assert.equal(byTime.get(p), first === undefined ? h : String(first), `partition ${p}: first offset at or after the time`);
  }

  const badTime = await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'timestamp', timestamp: 'yesterday' });
  assert.equal(badTime.status, 400);
  assert.match(badTime.text, /data-testid="error-reset-timestamp">Enter epoch milliseconds or an ISO 8601 time with a zone/);
  const badOffset = await client.clusterForm('/cluster/reset', { group: GROUP, topic: TOPIC, to: 'offset', offset: '-5' });
  assert.equal(badOffset.status, 400);
  assert.match(badOffset.text, /data-testid="error-reset-offset">Enter an offset: a whole number, 0 or more\.</);

  await client.clusterForm('/cluster/consumer', { action: 'resume' });
  await waitFor('consumer back', () => app.consumer.status().state === 'running');
});

test('"consume as group" from the page replays the topic under the new group, labelled with it', async (t) => {
  const { app, TOPIC, GROUP, client } = await setup(t, 'switch');
  const total = Number((await admin.fetchTopicOffsets(TOPIC)).reduce((n, e) => n + BigInt(e.high), 0n));
  assert.equal(total, 9);
  const res = await client.clusterForm('/cluster/group', { group: SWITCHED });
  assert.equal(res.status, 303);
  assert.equal((await client.flashText())?.text, `This instance now consumes as group ${SWITCHED} (it was ${GROUP}).`);
  const api = await waitFor('replayed under the new group', async () => {
    const { messages } = (await client.get('/api/messages')).json<{ messages: Array<{ group: string; value: string }> }>();
    return messages.length === total ? messages : undefined;
  }, 30_000);
  assert.ok(api.every((m) => m.group === SWITCHED), 'the buffer holds only the new group');
  assert.deepEqual(api.map((m) => m.value).sort(), Array.from({ length: 9 }, (_, i) => `m-${i}`));
  const home = await client.get('/');
  assert.ok(home.text.includes(`data-testid="home-group">${SWITCHED}<`));
  assert.ok(home.text.includes(`data-testid="nav-group">${SWITCHED}<`));
  await waitFor('old group left, new one stable', async () => (await groupState(GROUP)) === 'Empty' && (await groupState(SWITCHED)) === 'Stable');

  const bad = await client.clusterForm('/cluster/group', { group: '' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /data-testid="error-switchGroup-group">Group id is required\.</);
});

test('the offset writer refuses to commit when another member is in the group after all', async () => {
  const TOPIC = suiteName('guarded-topic');
  await createTopicsAndWait(admin, [{ topic: TOPIC, numPartitions: 3 }]);
  // The Empty check and the throw-away member's join are not atomic; this exercises the second
  // guard directly, with a real member (the test's own consumer) already in the group.
  const other = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).consumer({
    groupId: GUARDED,
    heartbeatInterval: 300,
    sessionTimeout: 6000,
    // It only heartbeats between fetches; a short long-poll lets it notice the rebalance quickly.
    maxWaitTimeInMs: 200,
  });
  const gateway = createKafkaGateway({ brokers: [broker.address], clientId: 'guard-test', connectionTimeoutMs: 1000, requestTimeoutMs: 5000, logger: pino({ level: 'silent' }) });
  const handle = gateway.admin();
  await handle.connect();
  try {
    await other.connect();
    await other.subscribe({ topics: [TOPIC], fromBeginning: true });
    let joins = 0;
    other.on(other.events.GROUP_JOIN, () => joins++);
    await other.run({ autoCommit: false, eachMessage: async () => {} });
    await waitFor('other member joined', () => joins > 0);
    const before = await committed(GUARDED, TOPIC);
    await assert.rejects(
      handle.setOffsets(GUARDED, TOPIC, [0, 1, 2].map((partition) => ({ partition, offset: '0' })), 3),
      (err) => err instanceof GroupNotEmptyError,
    );
    assert.deepEqual(await committed(GUARDED, TOPIC), before, 'nothing was committed');
  } finally {
    await other.disconnect();
    await handle.disconnect();
  }
});
