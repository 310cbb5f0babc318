/**
 * KIP-848 consumer-protocol groups over a real socket: ConsumerGroupHeartbeat and
 * ConsumerGroupDescribe, and the classic APIs meeting such a group. Requests go through the tests'
 * raw client (test/helpers/kafka-wire.ts, laid out from Apache Kafka 4.4.0's message specs, the one
 * the differential test holds against Kafka itself), not through the broker's own codecs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { Writer } from '../../../src/broker/protocol/writer.js';
import type { Reader } from '../../../src/broker/protocol/reader.js';
import { Wire, type HeartbeatReq } from '../../helpers/kafka-wire.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { requestFrame } from '../../helpers/raw-client.js';
import { waitFor } from '../../helpers/wait.js';

/** The two classic requests this file still writes by hand (the rest go through the shared client). */
const API = { Heartbeat: 12, DescribeGroups: 15 };
const ERR = ErrorCode;
const HEARTBEAT_INTERVAL_MS = 250;

/** A flexible request (header v2) built by hand; the body is returned after response header v1. */
async function flexCall(c: Wire, apiKey: number, apiVersion: number, body: Writer): Promise<Reader> {
  const r = await c.raw((correlationId) => requestFrame({ apiKey, apiVersion, correlationId, clientId: 'kip848-raw', flexibleHeader: true }, body.toBuffer()));
  assert.equal(r.uvarint(), 0, 'response header v1: empty tagged fields');
  return r;
}

type Tp = { topicId: string; partitions: number[] };
type HeartbeatFields = HeartbeatReq;

/** Sorted "topicId:partition" refs: assignments compared as sets. */
const refsOf = (tps: { topicId: string; partitions: number[] }[]) => tps.flatMap((t) => t.partitions.map((p) => `${t.topicId}:${p}`)).sort();

interface HeartbeatAnswer {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** Sorted refs, or null when the response carried no assignment. */
  assignment: string[] | null;
}

async function heartbeat(c: Wire, f: HeartbeatFields, version = 1): Promise<HeartbeatAnswer> {
  const r = await c.consumerGroupHeartbeat(f, version);
  return { ...r, assignment: r.assignment ? refsOf(r.assignment.topicPartitions) : null };
}

/** refs ("id:p") back to the TopicPartitions a member lists as owned. */
function owned(refs: string[]): Tp[] {
  const by = new Map<string, number[]>();
  for (const ref of refs) {
    const at = ref.lastIndexOf(':');
    const id = ref.slice(0, at);
    by.set(id, [...(by.get(id) ?? []), Number(ref.slice(at + 1))]);
  }
  return [...by].map(([topicId, partitions]) => ({ topicId, partitions }));
}

async function describeConsumerGroups(c: Wire, groupIds: string[], version = 1) {
  const groups = await c.consumerGroupDescribe(groupIds, version);
  return groups.map((g) => {
    assert.equal(g.authorizedOperations, -2147483648, 'authorized operations not reported');
    const { authorizedOperations: _, ...rest } = g;
    return {
      ...rest,
      members: g.members.map((m) => {
        for (const t of [...m.assignment.topicPartitions, ...m.targetAssignment.topicPartitions]) assert.ok(t.topicName.length > 0, 'topic name given');
        return { ...m, assignment: refsOf(m.assignment.topicPartitions), targetAssignment: refsOf(m.targetAssignment.topicPartitions), memberType: m.memberType ?? -1 };
      }),
    };
  });
}
type DescribedGroup = Awaited<ReturnType<typeof describeConsumerGroups>>[number];

async function describeOne(c: Wire, groupId: string): Promise<DescribedGroup> {
  const [g] = await describeConsumerGroups(c, [groupId]);
  return g;
}

function member(g: DescribedGroup, memberId: string) {
  const m = g.members.find((x) => x.memberId === memberId);
  assert.ok(m, `member ${memberId} described`);
  return m;
}

/** OffsetCommit v8 or v9 (same layout) for partitions of one topic; codes per partition. */
async function commit(c: Wire, version: 8 | 9, groupId: string, epoch: number, memberId: string, topic: string, partitions: number[]): Promise<number[]> {
  const offsets = partitions.map((p) => ({ index: p, offset: BigInt(100 + p) }));
  const topics = version === 9 ? await c.offsetCommitEpoch(groupId, epoch, memberId, topic, offsets) : await c.offsetCommit(groupId, epoch, memberId, topic, offsets);
  return topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

/** OffsetFetch v9 for one group: the group error and the offsets found. */
async function fetchOffsets(c: Wire, groupId: string, memberId: string | null, memberEpoch: number, topic: string, partitions: number[]) {
  const g = await c.offsetFetchMember(groupId, memberId, memberEpoch, [{ name: topic, partitions }]);
  return { errorCode: g.errorCode, offsets: g.topics.flatMap((t) => t.partitions.map((p) => ({ partition: p.index, offset: p.offset }))) };
}

async function listGroups(c: Wire, states: string[], types: string[]) {
  const { errorCode, groups } = await c.listGroupsTyped(types, states);
  assert.equal(errorCode, 0);
  return groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType }));
}

async function deleteGroups(c: Wire, ids: string[]): Promise<number[]> {
  const byId = new Map((await c.deleteGroups(ids)).map((g) => [g.groupId, g.errorCode]));
  return ids.map((id) => byId.get(id)!);
}

/** JoinGroup as a classic consumer sends it (range, an empty subscription). Returns error and member id. */
async function classicJoin(c: Wire, groupId: string, memberId: string): Promise<{ errorCode: number; memberId: string }> {
  const r = await c.joinGroup(groupId, memberId, { protocols: [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 0]) }] }, 15_000);
  return { errorCode: r.errorCode, memberId: r.memberId };
}

/** OffsetDelete v0 (not flexible): per-partition codes by topic. */
async function deleteOffsets(c: Wire, groupId: string, topics: [string, number[]][]): Promise<{ errorCode: number; topics: [string, number[]][] }> {
  let errorCode = 0;
  const out: [string, number[]][] = [];
  for (const [topic, partitions] of topics) {
    const r = await c.offsetDelete(groupId, topic, partitions);
    errorCode ||= r.errorCode;
    for (const t of r.topics) out.push([t.name, t.partitions.map((p) => p.errorCode)]);
  }
  return { errorCode, topics: out };
}

const join = (groupId: string, memberId: string, topics: string[], extra: Partial<HeartbeatFields> = {}): HeartbeatFields => ({
  groupId,
  memberId,
  memberEpoch: 0,
  rebalanceTimeoutMs: 30_000,
  subscribedTopicNames: topics,
  topicPartitions: [],
  ...extra,
});

describe('KIP-848 consumer groups over the wire', () => {
  let tb: TestBroker;
  let conn: Wire;
  let topicId = '';
  before(async () => {
    tb = await startTestBroker({ consumerHeartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, initialRebalanceDelayMs: 0, minSessionTimeoutMs: 100 });
    conn = await Wire.connect(`127.0.0.1:${tb.port}`);
    topicId = (await tb.broker.logs.createTopic('cp-t', 4)).id;
  });
  after(async () => {
    conn?.close();
    await tb?.cleanup();
  });

  const all = () => [0, 1, 2, 3].map((p) => `${topicId}:${p}`);

  it('join, assignment, a second member gets partitions only after the first revoked them, leave; described throughout', async () => {
    const g = 'cp-life';
    const a = await heartbeat(conn, join(g, 'member-a', ['cp-t']));
    assert.deepEqual([a.errorCode, a.memberId, a.memberEpoch, a.heartbeatIntervalMs], [0, 'member-a', 2, HEARTBEAT_INTERVAL_MS]);
    assert.deepEqual(a.assignment, all(), 'one member gets every partition');
    let d = await describeOne(conn, g);
    assert.deepEqual([d.errorCode, d.groupState, d.groupEpoch, d.assignmentEpoch, d.assignorName], [0, 'Stable', 2, 2, 'uniform']);
    assert.deepEqual(member(d, 'member-a').assignment, all());
    assert.equal(member(d, 'member-a').memberType, 1, 'v1: a consumer-protocol member');
    assert.deepEqual(member(d, 'member-a').subscribedTopicNames, ['cp-t']);

    // B joins: a new group epoch and target, but every partition is still A's.
    const b = await heartbeat(conn, join(g, 'member-b', ['cp-t']));
    assert.deepEqual([b.errorCode, b.memberEpoch, b.assignment], [0, 3, []]);
    d = await describeOne(conn, g);
    assert.deepEqual([d.groupState, d.groupEpoch, d.assignmentEpoch], ['Reconciling', 3, 3]);
    const bTarget = member(d, 'member-b').targetAssignment;
    const aTarget = member(d, 'member-a').targetAssignment;
    assert.equal(bTarget.length, 2);
    assert.equal(aTarget.length, 2);
    assert.deepEqual([...aTarget, ...bTarget].sort(), all());

    // A hears it must give two up: it keeps its epoch until it has.
    const a2 = await heartbeat(conn, { groupId: g, memberId: 'member-a', memberEpoch: 2, topicPartitions: owned(all()) });
    assert.deepEqual([a2.errorCode, a2.memberEpoch, a2.assignment], [0, 2, aTarget]);
    // B still waits: A has not said it released them.
    const b2 = await heartbeat(conn, { groupId: g, memberId: 'member-b', memberEpoch: 3, topicPartitions: [] });
    assert.deepEqual([b2.errorCode, b2.memberEpoch, b2.assignment], [0, 3, null]);
    assert.deepEqual(member(await describeOne(conn, g), 'member-b').assignment, []);

    // A's heartbeat no longer lists them: it moves to epoch 2, and B gets them next.
    const a3 = await heartbeat(conn, { groupId: g, memberId: 'member-a', memberEpoch: 2, topicPartitions: owned(aTarget) });
    assert.deepEqual([a3.errorCode, a3.memberEpoch], [0, 3]);
    const b3 = await heartbeat(conn, { groupId: g, memberId: 'member-b', memberEpoch: 3, topicPartitions: [] });
    assert.deepEqual([b3.errorCode, b3.memberEpoch, b3.assignment], [0, 3, bTarget]);
    d = await describeOne(conn, g);
    assert.equal(d.groupState, 'Stable');
    assert.deepEqual(member(d, 'member-b').assignment, bTarget);

    // B leaves; A takes everything back at the next epoch.
    const left = await heartbeat(conn, { groupId: g, memberId: 'member-b', memberEpoch: -1 });
    assert.deepEqual([left.errorCode, left.memberId, left.memberEpoch], [0, 'member-b', -1]);
    const a4 = await heartbeat(conn, { groupId: g, memberId: 'member-a', memberEpoch: 3, topicPartitions: owned(aTarget) });
    assert.deepEqual([a4.errorCode, a4.memberEpoch, a4.assignment], [0, 4, all()]);
    d = await describeOne(conn, g);
    assert.deepEqual([d.groupState, d.groupEpoch, d.members.map((m) => m.memberId)], ['Stable', 4, ['member-a']]);

    // The last member leaves: the group stays, Empty.
    await heartbeat(conn, { groupId: g, memberId: 'member-a', memberEpoch: -1 });
    d = await describeOne(conn, g);
    assert.deepEqual([d.errorCode, d.groupState, d.members.length], [0, 'Empty', 0]);
  });

  it('v0 hands out a member id; v1 requires the client to bring one', async () => {
    const v0 = await heartbeat(conn, join('cp-v0', '', ['cp-t']), 0);
    assert.equal(v0.errorCode, 0);
    assert.ok(v0.memberId && v0.memberId.length >= 16, `generated member id ${v0.memberId}`);
    assert.deepEqual(v0.assignment, all());
    const v1 = await heartbeat(conn, join('cp-v1', '', ['cp-t']), 1);
    assert.deepEqual([v1.errorCode, v1.errorMessage], [ERR.INVALID_REQUEST, "MemberId can't be empty."]);
    await heartbeat(conn, { groupId: 'cp-v0', memberId: v0.memberId!, memberEpoch: -1 }, 0);
  });

  it('answers bad requests, stale epochs and unknown members as Kafka 4.4.0 does', async () => {
    const g = 'cp-errors';
    const ok = await heartbeat(conn, join(g, 'm-1', ['cp-t']));
    assert.equal(ok.errorCode, 0);
    const fenced = await heartbeat(conn, { groupId: g, memberId: 'm-1', memberEpoch: ok.memberEpoch + 5, topicPartitions: owned(ok.assignment!) });
    assert.equal(fenced.errorCode, ERR.FENCED_MEMBER_EPOCH);
    assert.match(fenced.errorMessage ?? '', /greater member epoch \(7\) than the one known by the group coordinator \(2\)/);
    const unknown = await heartbeat(conn, { groupId: g, memberId: 'nobody', memberEpoch: 1 });
    assert.equal(unknown.errorCode, ERR.UNKNOWN_MEMBER_ID);
    // Kafka says GROUP_ID_NOT_FOUND (fatal to its Java client); our groups do not survive a
    // restart, so a live member of a group we do not know is told to rejoin (docs/compatibility.md).
    const noGroup = await heartbeat(conn, { groupId: 'cp-no-such-group', memberId: 'm', memberEpoch: 3 });
    assert.deepEqual([noGroup.errorCode, noGroup.errorMessage], [ERR.UNKNOWN_MEMBER_ID, 'Member m is not a member of group cp-no-such-group.']);
    const noGroupLeave = await heartbeat(conn, { groupId: 'cp-no-such-group', memberId: 'm', memberEpoch: -1 });
    assert.equal(noGroupLeave.errorCode, ERR.GROUP_ID_NOT_FOUND);
    const assignor = await heartbeat(conn, join(g, 'm-2', ['cp-t'], { serverAssignor: 'sticky' }));
    assert.deepEqual([assignor.errorCode, assignor.errorMessage], [ERR.UNSUPPORTED_ASSIGNOR, 'ServerAssignor sticky is not supported. Supported assignors: uniform, range.']);
    const noTimeout = await heartbeat(conn, join(g, 'm-2', ['cp-t'], { rebalanceTimeoutMs: -1 }));
    assert.deepEqual([noTimeout.errorCode, noTimeout.errorMessage], [ERR.INVALID_REQUEST, 'RebalanceTimeoutMs must be provided in first request.']);
    const owning = await heartbeat(conn, join(g, 'm-2', ['cp-t'], { topicPartitions: owned([`${topicId}:0`]) }));
    assert.equal(owning.errorCode, ERR.INVALID_REQUEST);
    const badEpoch = await heartbeat(conn, { groupId: g, memberId: 'm-1', memberEpoch: -3 });
    assert.deepEqual([badEpoch.errorCode, badEpoch.errorMessage], [ERR.INVALID_REQUEST, 'MemberEpoch is invalid.']);
    const badRegex = await heartbeat(conn, join(g, 'm-2', [], { subscribedTopicNames: null, subscribedTopicRegex: 'cp-(' }));
    assert.equal(badRegex.errorCode, ERR.INVALID_REGULAR_EXPRESSION);
    // A member that was fenced rejoins with epoch 0 under the same id.
    const again = await heartbeat(conn, join(g, 'm-1', ['cp-t']));
    assert.deepEqual([again.errorCode, again.memberEpoch], [0, ok.memberEpoch]);
    await heartbeat(conn, { groupId: g, memberId: 'm-1', memberEpoch: -1 });
  });

  it('refuses a heartbeat interval that is not below the session timeout, as Kafka does', async () => {
    await assert.rejects(
      startTestBroker({ consumerSessionTimeoutMs: 1000, consumerHeartbeatIntervalMs: 1000 }),
      /consumerHeartbeatIntervalMs \(1000\) must be lower than consumerSessionTimeoutMs \(1000\)/,
    );
  });

  it('a member that stops heartbeating is fenced after the session timeout and its partitions reassigned', async () => {
    const short = await startTestBroker({ consumerSessionTimeoutMs: 800, consumerHeartbeatIntervalMs: 100 });
    const c = await Wire.connect(`127.0.0.1:${short.port}`);
    try {
      const id = (await short.broker.logs.createTopic('exp-t', 2)).id;
      const g = 'cp-expiry';
      const a = await heartbeat(c, join(g, 'alive', ['exp-t']));
      const b = await heartbeat(c, join(g, 'silent', ['exp-t']));
      assert.equal(b.errorCode, 0);
      // "alive" revokes what the new target takes away and keeps heartbeating; "silent" never comes back.
      let held = a.assignment!;
      const everything = await waitFor('the silent member fenced and both partitions with the live one', async () => {
        const d = await describeOne(c, g);
        const me = member(d, 'alive');
        const r = await heartbeat(c, { groupId: g, memberId: 'alive', memberEpoch: me.memberEpoch, topicPartitions: owned(held) });
        if (r.errorCode !== 0) throw new Error(`heartbeat error ${r.errorCode}`);
        if (r.assignment) held = r.assignment;
        return d.members.length === 1 && held.length === 2 ? held : undefined;
      }, 10_000, 50);
      assert.deepEqual(everything, [`${id}:0`, `${id}:1`]);
    } finally {
      c.close();
      await short.cleanup();
    }
  });

  it('a member that does not revoke within its rebalance timeout is fenced', async () => {
    const g = 'cp-rebalance-timeout';
    const slow = await heartbeat(conn, join(g, 'slow', ['cp-t'], { rebalanceTimeoutMs: 300 }));
    assert.deepEqual(slow.assignment, all());
    const quick = await heartbeat(conn, join(g, 'quick', ['cp-t']));
    assert.deepEqual(quick.assignment, []);
    // "slow" hears what to give up (its timer starts) and then never confirms.
    const told = await heartbeat(conn, { groupId: g, memberId: 'slow', memberEpoch: slow.memberEpoch, topicPartitions: owned(all()) });
    assert.equal(told.assignment!.length, 2);
    const d = await waitFor('the slow member fenced', async () => {
      const x = await describeOne(conn, g);
      return x.members.length === 1 ? x : undefined;
    }, 10_000, 50);
    assert.deepEqual(d.members.map((m) => m.memberId), ['quick']);
    const takes = await heartbeat(conn, { groupId: g, memberId: 'quick', memberEpoch: quick.memberEpoch, topicPartitions: [] });
    assert.deepEqual(takes.assignment, all());
    await heartbeat(conn, { groupId: g, memberId: 'quick', memberEpoch: -1 });
  });

  it('static members: the instance id is held while in use, kept through a temporary leave, and rejoins without a new epoch', async () => {
    const g = 'cp-static';
    const s1 = await heartbeat(conn, join(g, 'static-1', ['cp-t'], { instanceId: 'inst-1' }));
    assert.deepEqual([s1.errorCode, s1.memberEpoch, s1.assignment], [0, 2, all()]);
    const taken = await heartbeat(conn, join(g, 'static-1b', ['cp-t'], { instanceId: 'inst-1' }));
    assert.equal(taken.errorCode, ERR.UNRELEASED_INSTANCE_ID);
    const impostor = await heartbeat(conn, { groupId: g, memberId: 'static-x', memberEpoch: 2, instanceId: 'inst-1' });
    assert.equal(impostor.errorCode, ERR.FENCED_INSTANCE_ID);

    const away = await heartbeat(conn, { groupId: g, memberId: 'static-1', memberEpoch: -2, instanceId: 'inst-1' });
    assert.deepEqual([away.errorCode, away.memberEpoch], [0, -2]);
    let d = await describeOne(conn, g);
    assert.deepEqual([member(d, 'static-1').memberEpoch, member(d, 'static-1').assignment, d.groupEpoch], [-2, all(), 2]);

    const back = await heartbeat(conn, join(g, 'static-1b', ['cp-t'], { instanceId: 'inst-1' }));
    assert.deepEqual([back.errorCode, back.memberId, back.memberEpoch, back.assignment], [0, 'static-1b', 2, all()]);
    d = await describeOne(conn, g);
    assert.deepEqual(d.members.map((m) => [m.memberId, m.instanceId]), [['static-1b', 'inst-1']]);
    assert.equal(d.groupEpoch, 2, 'a returning static member is no rebalance');

    const gone = await heartbeat(conn, { groupId: g, memberId: 'static-1b', memberEpoch: -1, instanceId: 'inst-1' });
    assert.deepEqual([gone.errorCode, gone.memberEpoch], [0, -1]);
    assert.equal((await describeOne(conn, g)).groupState, 'Empty');
  });

  it('a regex subscription picks up a topic created later', async () => {
    const g = 'cp-regex';
    const first = await tb.broker.logs.createTopic('rx-first', 2);
    await tb.broker.logs.createTopic('not-rx', 1);
    const m = await heartbeat(conn, join(g, 'rx-member', [], { subscribedTopicNames: null, subscribedTopicRegex: 'rx\\-.*' }));
    assert.deepEqual([m.errorCode, m.assignment], [0, [`${first.id}:0`, `${first.id}:1`]]);
    assert.equal(member(await describeOne(conn, g), 'rx-member').subscribedTopicRegex, 'rx\\-.*', 'an identity escape, as Java accepts it');

    const second = await tb.broker.logs.createTopic('rx-second', 1);
    const next = await heartbeat(conn, { groupId: g, memberId: 'rx-member', memberEpoch: m.memberEpoch, topicPartitions: owned(m.assignment!) });
    assert.equal(next.errorCode, 0);
    assert.equal(next.memberEpoch, m.memberEpoch + 1, 'the new topic is a new group epoch');
    assert.deepEqual(next.assignment, [`${first.id}:0`, `${first.id}:1`, `${second.id}:0`].sort());

    await tb.broker.logs.deleteTopic('rx-second');
    const after = await heartbeat(conn, { groupId: g, memberId: 'rx-member', memberEpoch: next.memberEpoch, topicPartitions: owned(next.assignment!) });
    assert.equal(after.errorCode, 0);
    // The deleted topic's partition is revoked first...
    const revoked = await heartbeat(conn, { groupId: g, memberId: 'rx-member', memberEpoch: after.memberEpoch, topicPartitions: owned(after.assignment ?? next.assignment!) });
    assert.equal(revoked.memberEpoch, m.memberEpoch + 2);
    assert.deepEqual(member(await describeOne(conn, g), 'rx-member').assignment, [`${first.id}:0`, `${first.id}:1`]);
    await heartbeat(conn, { groupId: g, memberId: 'rx-member', memberEpoch: -1 });
  });

  it('new partitions of a subscribed topic change the target assignment', async () => {
    const g = 'cp-grow';
    const grow = await tb.broker.logs.createTopic('cp-grow-t', 1);
    const m = await heartbeat(conn, join(g, 'grower', ['cp-grow-t']));
    assert.deepEqual(m.assignment, [`${grow.id}:0`]);
    await tb.broker.logs.createPartitions('cp-grow-t', 3);
    const next = await heartbeat(conn, { groupId: g, memberId: 'grower', memberEpoch: m.memberEpoch, topicPartitions: owned(m.assignment!) });
    assert.deepEqual([next.memberEpoch, next.assignment], [m.memberEpoch + 1, [0, 1, 2].map((p) => `${grow.id}:${p}`)]);
    await heartbeat(conn, { groupId: g, memberId: 'grower', memberEpoch: -1 });
  });

  it('OffsetCommit v9 and OffsetFetch v9 check the member epoch', async () => {
    const g = 'cp-offsets';
    const m = await heartbeat(conn, join(g, 'off-member', ['cp-t']));
    const epoch = m.memberEpoch;
    assert.deepEqual(await commit(conn, 9, g, epoch, 'off-member', 'cp-t', [0, 1]), [0, 0]);
    assert.deepEqual(await commit(conn, 9, g, epoch + 1, 'off-member', 'cp-t', [0]), [ERR.STALE_MEMBER_EPOCH]);
    assert.deepEqual(await commit(conn, 9, g, epoch, 'stranger', 'cp-t', [0]), [ERR.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await commit(conn, 9, g, -1, '', 'cp-t', [0]), [ERR.UNKNOWN_MEMBER_ID], 'no admin commits while the group has members');
    assert.deepEqual(await commit(conn, 8, g, epoch, 'off-member', 'cp-t', [0]), [ERR.UNSUPPORTED_VERSION], 'a consumer-protocol member needs v9');

    const fetched = await fetchOffsets(conn, g, 'off-member', epoch, 'cp-t', [0, 1]);
    assert.deepEqual(fetched, { errorCode: 0, offsets: [{ partition: 0, offset: 100n }, { partition: 1, offset: 101n }] });
    assert.equal((await fetchOffsets(conn, g, 'off-member', epoch - 1, 'cp-t', [0])).errorCode, ERR.STALE_MEMBER_EPOCH);
    assert.equal((await fetchOffsets(conn, g, 'stranger', epoch, 'cp-t', [0])).errorCode, ERR.UNKNOWN_MEMBER_ID);
    assert.equal((await fetchOffsets(conn, g, null, -1, 'cp-t', [0])).errorCode, 0, 'admin fetches pass');

    // A second member: the first stays at its epoch while revoking and may still commit with it.
    const other = await heartbeat(conn, join(g, 'off-other', ['cp-t']));
    assert.equal(other.errorCode, 0);
    assert.deepEqual(await commit(conn, 9, g, epoch, 'off-member', 'cp-t', [2]), [0]);
    await heartbeat(conn, { groupId: g, memberId: 'off-other', memberEpoch: -1 });
    const back = await heartbeat(conn, { groupId: g, memberId: 'off-member', memberEpoch: epoch, topicPartitions: owned(m.assignment!) });
    assert.ok(back.memberEpoch > epoch);
    // An older epoch is accepted only for partitions held since then.
    assert.deepEqual(await commit(conn, 9, g, epoch, 'off-member', 'cp-t', [3]), [0]);
    await heartbeat(conn, { groupId: g, memberId: 'off-member', memberEpoch: -1 });
    assert.deepEqual(await commit(conn, 9, g, -1, '', 'cp-t', [0]), [0], 'an empty group takes admin commits');
  });

  it('OffsetDelete keeps the offsets of topics a live consumer group subscribes to', async () => {
    const g = 'cp-offset-delete';
    await tb.broker.logs.createTopic('cp-unsubscribed', 1);
    const m = await heartbeat(conn, join(g, 'od-member', ['cp-t']));
    assert.deepEqual(await commit(conn, 9, g, m.memberEpoch, 'od-member', 'cp-t', [0]), [0]);
    assert.deepEqual(await commit(conn, 9, g, m.memberEpoch, 'od-member', 'cp-unsubscribed', [0]), [0]);
    assert.deepEqual(await deleteOffsets(conn, g, [['cp-t', [0]], ['cp-unsubscribed', [0]]]), {
      errorCode: 0,
      topics: [
        ['cp-t', [ERR.GROUP_SUBSCRIBED_TO_TOPIC]],
        ['cp-unsubscribed', [0]],
      ],
    });
    await heartbeat(conn, { groupId: g, memberId: 'od-member', memberEpoch: -1 });
    assert.deepEqual(await deleteOffsets(conn, g, [['cp-t', [0]]]), { errorCode: 0, topics: [['cp-t', [0]]] });
    assert.deepEqual((await fetchOffsets(conn, g, null, -1, 'cp-t', [0])).offsets, [{ partition: 0, offset: -1n }]);
  });

  it('ListGroups v5 filters by type and state; DescribeGroups sees a consumer group as Dead', async () => {
    const g = 'cp-listed';
    const m = await heartbeat(conn, join(g, 'lister', ['cp-t']));
    assert.equal(m.errorCode, 0);
    const consumer = await listGroups(conn, [], ['consumer']);
    assert.deepEqual(consumer.find((x) => x.groupId === g), { groupId: g, protocolType: 'consumer', state: 'Stable', type: 'consumer' });
    assert.ok(consumer.every((x) => x.type === 'consumer'));
    assert.equal((await listGroups(conn, [], ['classic'])).find((x) => x.groupId === g), undefined);
    assert.ok((await listGroups(conn, ['STABLE'], [])).some((x) => x.groupId === g), 'states match case-insensitively');
    assert.equal((await listGroups(conn, ['empty'], ['consumer'])).find((x) => x.groupId === g), undefined);

    const r = await flexCall(conn, API.DescribeGroups, 5, new Writer().compactArray([g], (w, s) => w.compactString(s)).boolean(false).emptyTaggedFields());
    r.int32();
    const [described] = r.compactArray((r) => {
      const x = { errorCode: r.int16(), groupId: r.compactString(), state: r.compactString(), protocolType: r.compactString() };
      r.compactString();
      r.compactArray(() => assert.fail('no members'));
      r.int32();
      r.skipTaggedFields();
      return x;
    });
    assert.deepEqual(described, { errorCode: 0, groupId: g, state: 'Dead', protocolType: '' });
    await heartbeat(conn, { groupId: g, memberId: 'lister', memberEpoch: -1 });
  });

  it('classic and consumer protocols do not share a live group; DeleteGroups refuses a non-empty consumer group', async () => {
    const g = 'cp-shared';
    const m = await heartbeat(conn, join(g, 'cg-member', ['cp-t']));
    assert.equal(m.errorCode, 0);
    const classic = await classicJoin(conn, g, '');
    assert.equal(classic.errorCode, ERR.INCONSISTENT_GROUP_PROTOCOL);
    const hb = await flexCall(conn, API.Heartbeat, 4, new Writer().compactString(g).int32(1).compactString('cg-member').compactNullableString(null).emptyTaggedFields());
    assert.deepEqual([hb.int32(), hb.int16()], [0, ERR.UNKNOWN_MEMBER_ID], 'a classic heartbeat finds no classic member');
    assert.deepEqual(await deleteGroups(conn, [g]), [ERR.NON_EMPTY_GROUP]);

    await heartbeat(conn, { groupId: g, memberId: 'cg-member', memberEpoch: -1 });
    assert.deepEqual(await deleteGroups(conn, [g]), [0]);
    const gone = await describeOne(conn, g);
    assert.deepEqual(
      [gone.errorCode, gone.errorMessage, gone.groupState, gone.groupEpoch, gone.assignorName, gone.members.length],
      [ERR.GROUP_ID_NOT_FOUND, `Group ${g} not found.`, '', 0, '', 0],
    );

    // An empty consumer group gives way to a classic join (here: the first step of one).
    const emptied = 'cp-emptied';
    await heartbeat(conn, join(emptied, 'short-lived', ['cp-t']));
    await heartbeat(conn, { groupId: emptied, memberId: 'short-lived', memberEpoch: -1 });
    assert.equal((await classicJoin(conn, emptied, '')).errorCode, ERR.MEMBER_ID_REQUIRED);
    // And a group known only by its offsets takes a consumer-protocol member.
    assert.deepEqual(await commit(conn, 9, 'cp-offsets-only', -1, '', 'cp-t', [0]), [0]);
    assert.equal((await heartbeat(conn, join('cp-offsets-only', 'first', ['cp-t']))).errorCode, 0);
    await heartbeat(conn, { groupId: 'cp-offsets-only', memberId: 'first', memberEpoch: -1 });

    // A classic group with members: the consumer protocol is turned away (no online upgrade).
    const cg = 'cp-classic';
    const c2 = await Wire.connect(`127.0.0.1:${tb.port}`);
    try {
      const first = await classicJoin(c2, cg, '');
      assert.equal(first.errorCode, ERR.MEMBER_ID_REQUIRED);
      const joined = await classicJoin(c2, cg, first.memberId);
      assert.equal(joined.errorCode, 0);
      const refused = await heartbeat(conn, join(cg, 'newcomer', ['cp-t']));
      assert.deepEqual([refused.errorCode, refused.errorMessage], [ERR.GROUP_ID_NOT_FOUND, `Group ${cg} is not a consumer group.`]);
      const notConsumer = await describeOne(conn, cg);
      assert.deepEqual([notConsumer.errorCode, notConsumer.errorMessage], [ERR.GROUP_ID_NOT_FOUND, `Group ${cg} is not a consumer group.`]);
    } finally {
      c2.close();
    }
  });
});
