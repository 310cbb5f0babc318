/**
 * The KIP-848 differential scenarios (the consumer group protocol: ConsumerGroupHeartbeat,
 * ConsumerGroupDescribe, and what OffsetCommit/OffsetFetch/ListGroups/JoinGroup/DeleteGroups do
 * with a consumer group), compared with Apache Kafka 4.4.0 by kip848.test.ts.
 *
 * Each scenario is built to be deterministic on both brokers: one member per topic (so the
 * assignor has no choice to make), members told apart by what they subscribe to rather than
 * by their random ids, and topic ids turned back into topic names (which also checks that the
 * ids are the topics' own). Every wait is on a condition and bounded.
 */
import { randomBytes } from 'node:crypto';
import type { Ctx, Scenario } from './compare.js';
import { coordinator, topic, until } from './scenarios.js';
import { assignment, subscription, type HeartbeatReq } from '../../helpers/kafka-wire.js';

/** A member id as the Java client makes one for v1 (Uuid.randomUuid().toString()). */
const newMemberId = () => randomBytes(16).toString('base64url');

/** Topic id -> name for `topics`, once Metadata v12 knows them all. */
async function idsOf(ctx: Ctx, topics: string[]) {
  const m = await until(`ids of ${topics.join(',')}`, () => ctx.wire.topicIds(topics), (m) => topics.every((t) => m.get(t)?.errorCode === 0));
  const byId = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const t of topics) {
    byId.set(m.get(t)!.topicId, t);
    byName.set(t, m.get(t)!.topicId);
  }
  return { byId, byName };
}

type Ids = Awaited<ReturnType<typeof idsOf>>;

/** A heartbeat answer's assignment by topic name (the id must be one of the scenario's topics). */
function named(ids: Ids, a: { topicPartitions: { topicId: string; partitions: number[] }[] } | null) {
  if (a === null) return null;
  return a.topicPartitions
    .map((tp) => ({ topic: ids.byId.get(tp.topicId) ?? `unknown id ${tp.topicId}`, partitions: tp.partitions }))
    .sort((x, y) => x.topic.localeCompare(y.topic));
}

/** What a heartbeat answered, the assignment by name. */
async function hb(ctx: Ctx, ids: Ids, req: HeartbeatReq, version = 1) {
  const r = await ctx.wire.consumerGroupHeartbeat(req, version);
  return { ...r, assignment: named(ids, r.assignment) };
}

/** A member's first heartbeat the way the Java client sends it (v1, its own member id, epoch 0). */
function joinReq(group: string, topics: string[], extra: Partial<HeartbeatReq> = {}): HeartbeatReq {
  return { groupId: group, memberId: newMemberId(), memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: topics, topicPartitions: [], ...extra };
}

/** The owned partitions a member reports back (by id) once it has taken its assignment. */
const owned = (ids: Ids, a: { topic: string; partitions: number[] }[] | null) => (a ?? []).map((tp) => ({ topicId: ids.byName.get(tp.topic)!, partitions: tp.partitions }));

/** A fresh group whose coordinator is loaded, and topics with their ids. */
async function setup(ctx: Ctx, groupBase: string, topics: [string, number][]) {
  const group = ctx.name(groupBase);
  const names: string[] = [];
  for (const [base, partitions] of topics) names.push(await topic(ctx, base, partitions));
  await coordinator(ctx, group);
  return { group, names, ids: await idsOf(ctx, names) };
}

/**
 * Heartbeats (the member reporting what it owns) until its assignment covers `want` partitions;
 * returns the last answer and the epoch and assignment it ended with.
 */
async function settle(ctx: Ctx, ids: Ids, req: HeartbeatReq, first: Awaited<ReturnType<typeof hb>>, want: number) {
  let epoch = first.memberEpoch;
  let mine = first.assignment ?? [];
  let last = first;
  await until(`member of ${req.groupId} holds ${want} partitions`, async () => {
    last = await hb(ctx, ids, { groupId: req.groupId, memberId: req.memberId, memberEpoch: epoch, topicPartitions: owned(ids, mine) });
    if (last.errorCode === 0) {
      epoch = last.memberEpoch;
      if (last.assignment) mine = last.assignment;
    }
    return { count: mine.reduce((n, tp) => n + tp.partitions.length, 0), error: last.errorCode };
  }, (s) => s.error !== 0 || s.count === want);
  return { last, epoch, assignment: mine };
}

/** ConsumerGroupDescribe of one group, its members in the order of what they subscribe to. */
async function describe(ctx: Ctx, group: string, version = 1) {
  const [g] = await ctx.wire.consumerGroupDescribe([group], version);
  return { ...g!, members: [...g!.members].sort((a, b) => (a.subscribedTopicNames.join() + (a.instanceId ?? '')).localeCompare(b.subscribedTopicNames.join() + (b.instanceId ?? ''))) };
}

export const kip848Scenarios: Scenario[] = [
  {
    name: 'ConsumerGroupHeartbeat: a member joins with epoch 0, gets an epoch and every partition, then heartbeats steadily',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-join', [['cg-join', 3]]);
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const steady = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: join.memberEpoch, topicPartitions: owned(ids, join.assignment) });
      // The member id the client chose comes back as the member id (aliased: both <member-1>).
      return { join, sent: { memberId: req.memberId }, steady };
    },
  },
  {
    name: 'ConsumerGroupHeartbeat: a wrong epoch (fenced), an unknown member, an unknown group',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-fence', [['cg-fence', 1]]);
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const ahead = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: join.memberEpoch + 5 });
      const behind = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: join.memberEpoch - 1, topicPartitions: [] });
      const unknownMember = await hb(ctx, ids, { groupId: group, memberId: newMemberId(), memberEpoch: 1 });
      const unknownGroup = await hb(ctx, ids, { groupId: ctx.name('cg-fence-none'), memberId: newMemberId(), memberEpoch: 1 });
      const after = await describe(ctx, group);
      return { join, ahead, behind, unknownMember, unknownGroup, after };
    },
  },
  {
    name: 'ConsumerGroupHeartbeat: leave with epoch -1, then ConsumerGroupDescribe shows the group Empty',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-leave', [['cg-leave', 2]]);
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const before = await describe(ctx, group);
      const leave = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: -1 });
      const after = await describe(ctx, group);
      const again = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: join.memberEpoch });
      return { join, before, leave, after, again };
    },
  },
  {
    name: 'ConsumerGroupDescribe: an unknown group, a classic group, v0 and v1',
    run: async (ctx) => {
      const t = await topic(ctx, 'cgd-classic', 1);
      const classic = ctx.name('cgd-classic');
      await coordinator(ctx, classic);
      const first = await ctx.wire.joinGroup(classic, '', { protocols: [{ name: 'range', metadata: subscription([t]) }] });
      const joined = await ctx.wire.joinGroup(classic, first.memberId, { protocols: [{ name: 'range', metadata: subscription([t]) }] });
      await ctx.wire.syncGroup(classic, joined.generationId, joined.memberId, [{ memberId: joined.memberId, assignment: assignment(t, [0]) }]);
      const unknown = ctx.name('cgd-none');
      return {
        v1: await ctx.wire.consumerGroupDescribe([unknown, classic], 1),
        v0: await ctx.wire.consumerGroupDescribe([unknown], 0),
      };
    },
  },
  {
    name: 'ConsumerGroupDescribe through a group\'s life: stable with one member, a second joins, both settle, both leave',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cgd-life', [['cgd-life-a', 2], ['cgd-life-b', 1]]);
      const [ta, tb] = names as [string, string];
      // Member A reads topic a, member B topic b: the assignor has one answer for each.
      const a = joinReq(group, [ta], { rackId: 'rack-a' });
      const aJoin = await hb(ctx, ids, a);
      const oneMember = await describe(ctx, group);
      const b = joinReq(group, [tb], { instanceId: 'static-b' });
      const bJoin = await hb(ctx, ids, b);
      // Kafka 4.4 computes a new target assignment in the background and at most once per
      // group.consumer.assignment.interval.ms (1 s): whether B's first answer already carries its
      // partition is timing, so both members heartbeat until the group is Stable again, and only
      // that end state (and B's join being accepted) is compared.
      const mine = { a: aJoin.assignment ?? [], b: bJoin.assignment ?? [] };
      const epoch = { a: aJoin.memberEpoch, b: bJoin.memberEpoch };
      const settled = await until(`${group} stable with two members`, async () => {
        for (const [who, req] of [['a', a], ['b', b]] as const) {
          const r = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: epoch[who], topicPartitions: owned(ids, mine[who]) });
          if (r.errorCode !== 0) throw new Error(`heartbeat of ${who}: ${r.errorCode}`);
          epoch[who] = r.memberEpoch;
          if (r.assignment) mine[who] = r.assignment;
        }
        return describe(ctx, group);
      }, (d) => d.groupState === 'Stable' && d.members.length === 2 && d.members.every((m) => m.memberEpoch === d.groupEpoch));
      const aLeave = await hb(ctx, ids, { groupId: group, memberId: a.memberId, memberEpoch: -1 });
      const bLeave = await hb(ctx, ids, { groupId: group, memberId: b.memberId, memberEpoch: -1, instanceId: 'static-b' });
      const empty = await describe(ctx, group);
      return { aJoin, oneMember, bJoin: { errorCode: bJoin.errorCode, memberId: bJoin.memberId }, settled, assignments: mine, epochs: epoch, aLeave, bLeave, empty };
    },
  },
  {
    name: 'ConsumerGroupHeartbeat: ServerAssignor range is used, an unknown one is rejected',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-assignor', [['cg-assignor', 2]]);
      const bad = await hb(ctx, ids, joinReq(group, names, { serverAssignor: 'no-such-assignor' }));
      const nothing = await ctx.wire.consumerGroupDescribe([group]);
      const req = joinReq(group, names, { serverAssignor: 'range' });
      const join = await hb(ctx, ids, req);
      return { bad, nothing, join, described: await describe(ctx, group) };
    },
  },
  {
    name: 'OffsetCommit v9 and OffsetFetch v9 with a member epoch: stale, ahead, unknown member, right, admin-style',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-commit', [['cg-commit', 2]]);
      const [t] = names as [string];
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const epoch = join.memberEpoch;
      const offsets = [{ index: 0, offset: 3n }, { index: 1, offset: 5n }];
      const commit = {
        stale: await ctx.wire.offsetCommitEpoch(group, epoch - 1, req.memberId, t, offsets),
        ahead: await ctx.wire.offsetCommitEpoch(group, epoch + 1, req.memberId, t, offsets),
        unknownMember: await ctx.wire.offsetCommitEpoch(group, epoch, newMemberId(), t, offsets),
        simple: await ctx.wire.offsetCommitEpoch(group, -1, '', t, [{ index: 0, offset: 1n }]),
        right: await ctx.wire.offsetCommitEpoch(group, epoch, req.memberId, t, offsets),
      };
      const parts = [{ name: t, partitions: [0, 1] }];
      const fetch = {
        right: await ctx.wire.offsetFetchMember(group, req.memberId, epoch, parts),
        stale: await ctx.wire.offsetFetchMember(group, req.memberId, epoch - 1, parts),
        ahead: await ctx.wire.offsetFetchMember(group, req.memberId, epoch + 1, parts),
        unknownMember: await ctx.wire.offsetFetchMember(group, newMemberId(), epoch, parts),
        admin: await ctx.wire.offsetFetchMember(group, null, -1, null),
      };
      return { join, commit, fetch };
    },
  },
  {
    name: 'ListGroups v5: TypesFilter consumer and classic, GroupType, and StatesFilter',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'lg-consumer', [['lg', 1]]);
      const [t] = names as [string];
      await hb(ctx, ids, joinReq(group, names));
      const classic = ctx.name('lg-classic');
      await coordinator(ctx, classic);
      const first = await ctx.wire.joinGroup(classic, '', { protocols: [{ name: 'range', metadata: subscription([t]) }] });
      const joined = await ctx.wire.joinGroup(classic, first.memberId, { protocols: [{ name: 'range', metadata: subscription([t]) }] });
      await ctx.wire.syncGroup(classic, joined.generationId, joined.memberId, [{ memberId: joined.memberId, assignment: assignment(t, [0]) }]);
      // Other scenarios' groups live on the same brokers: only this run's two are compared.
      const ours = async (types: string[], states: string[] = []) => {
        const r = await ctx.wire.listGroupsTyped(types, states);
        return { errorCode: r.errorCode, groups: r.groups.filter((g) => g.groupId === group || g.groupId === classic).sort((x, y) => x.groupId.localeCompare(y.groupId)) };
      };
      return {
        all: await ours([]),
        consumer: await ours(['consumer']),
        classic: await ours(['classic']),
        both: await ours(['classic', 'consumer']),
        upperCase: await ours(['Consumer']),
        unknownType: await ours(['share']),
        stableConsumer: await ours(['consumer'], ['Stable']),
        emptyConsumer: await ours(['consumer'], ['Empty']),
        v4: (await ctx.wire.listGroups()).groups.filter((g) => g.groupId === group || g.groupId === classic).sort((x, y) => x.groupId.localeCompare(y.groupId)),
      };
    },
  },
  {
    name: 'JoinGroup (classic) to a live consumer group: another protocol type is inconsistent, a classic consumer',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-classic-join', [['cg-classic-join', 1]]);
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const connect = await ctx.wire.joinGroup(group, '', { protocolType: 'connect', protocols: [{ name: 'x', metadata: Buffer.alloc(0) }] });
      // A classic consumer joining: Kafka 4.4.0 would migrate it into the consumer group (and asks
      // for a member id first); the broker does not migrate (an intentional difference).
      const classicConsumer = await ctx.wire.joinGroup(group, '', { protocols: [{ name: 'range', metadata: subscription(names) }] });
      const syncUnknown = await ctx.wire.syncGroup(group, 1, newMemberId(), []);
      const heartbeatUnknown = await ctx.wire.heartbeat(group, 1, newMemberId());
      const describeClassic = await ctx.wire.describeGroups([group]);
      return {
        join,
        connect,
        classicConsumer: { errorCode: classicConsumer.errorCode, memberIdGiven: classicConsumer.memberId !== '' },
        syncUnknown,
        heartbeatUnknown,
        describeClassic,
        after: await describe(ctx, group),
      };
    },
  },
  {
    name: 'DeleteGroups: a consumer group with a member is not empty; after it leaves it can be deleted',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-delete', [['cg-delete', 1]]);
      const [t] = names as [string];
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const commit = await ctx.wire.offsetCommitEpoch(group, join.memberEpoch, req.memberId, t, [{ index: 0, offset: 1n }]);
      const busy = await ctx.wire.deleteGroups([group]);
      await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: -1 });
      const deleted = await ctx.wire.deleteGroups([group]);
      const described = await ctx.wire.consumerGroupDescribe([group]);
      const offsets = await ctx.wire.offsetFetchMember(group, null, -1, [{ name: t, partitions: [0] }]);
      return { commit, busy, deleted, described, offsets };
    },
  },
  {
    name: 'ConsumerGroupHeartbeat v1: a regex subscription is resolved to the topics it matches',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-regex', [['cg-regex-a', 2], ['cg-regex-b', 1], ['cg-other', 1]]);
      const [ta] = names as [string];
      const regex = ta.replace('cg-regex-a', 'cg-regex-[ab]');
      const req = joinReq(group, [], { subscribedTopicNames: null, subscribedTopicRegex: regex });
      const join = await ctx.wire.consumerGroupHeartbeat(req);
      // Kafka resolves a regex in the background: the member heartbeats until it has the 3 partitions.
      const { last, assignment: got } = await settle(ctx, ids, req, { ...join, assignment: named(ids, join.assignment) }, 3);
      const described = await describe(ctx, group);
      return {
        join: { errorCode: join.errorCode, errorMessage: join.errorMessage, memberId: join.memberId },
        settled: { errorCode: last.errorCode, assignment: got },
        described: { ...described, groupEpoch: undefined, assignmentEpoch: undefined, members: described.members.map((m) => ({ ...m, memberEpoch: undefined })) },
        epochsAgree: described.groupEpoch === described.assignmentEpoch && described.members.every((m) => m.memberEpoch === described.groupEpoch),
      };
    },
  },
  {
    name: 'Static member: leave with epoch -2 keeps its place, rejoining with the instance id gets it back, a second one is unreleased',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-static', [['cg-static', 2]]);
      const first = joinReq(group, names, { instanceId: 'instance-1' });
      const join = await hb(ctx, ids, first);
      const steady = await hb(ctx, ids, { groupId: group, memberId: first.memberId, memberEpoch: join.memberEpoch, topicPartitions: owned(ids, join.assignment) });
      const duplicate = await hb(ctx, ids, joinReq(group, names, { instanceId: 'instance-1' }));
      const temporaryLeave = await hb(ctx, ids, { groupId: group, memberId: first.memberId, memberEpoch: -2, instanceId: 'instance-1' });
      const whileAway = await describe(ctx, group);
      const second = joinReq(group, names, { instanceId: 'instance-1' });
      const rejoin = await hb(ctx, ids, second);
      const oldId = await hb(ctx, ids, { groupId: group, memberId: first.memberId, memberEpoch: join.memberEpoch });
      const back = await describe(ctx, group);
      const leave = await hb(ctx, ids, { groupId: group, memberId: second.memberId, memberEpoch: -1, instanceId: 'instance-1' });
      return { join, steady, duplicate, temporaryLeave, whileAway, rejoin, oldId, back, leave, empty: await describe(ctx, group) };
    },
  },
  {
    name: 'ConsumerGroupHeartbeat v0 vs v1: who makes the member id, and the fields a join must carry',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-versions', [['cg-versions', 1]]);
      const v0 = await hb(ctx, ids, { groupId: group, memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: names, topicPartitions: [] }, 0);
      const v0Again = v0.memberId ? await hb(ctx, ids, { groupId: group, memberId: v0.memberId, memberEpoch: v0.memberEpoch, topicPartitions: owned(ids, v0.assignment) }, 0) : null;
      const v1Empty = await hb(ctx, ids, { groupId: group, memberId: '', memberEpoch: 0, rebalanceTimeoutMs: 30_000, subscribedTopicNames: names, topicPartitions: [] }, 1);
      const v1NoTimeout = await hb(ctx, ids, joinReq(group, names, { rebalanceTimeoutMs: -1 }));
      const v1NoSubscription = await hb(ctx, ids, joinReq(group, names, { subscribedTopicNames: null }));
      const v1NoPartitions = await hb(ctx, ids, joinReq(group, names, { topicPartitions: null }));
      const v1EmptyGroup = await hb(ctx, ids, joinReq('', names));
      const v0Leave = v0.memberId ? await hb(ctx, ids, { groupId: group, memberId: v0.memberId, memberEpoch: -1 }, 0) : null;
      return { v0, v0Again, v1Empty, v1NoTimeout, v1NoSubscription, v1NoPartitions, v1EmptyGroup, v0Leave };
    },
  },
  {
    name: 'ConsumerGroupHeartbeat request checks: leaves from an unknown group, bad epochs, empty ids, a bad regex; OffsetCommit v8 from a member',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-checks', [['cg-checks', 1]]);
      const [t] = names as [string];
      const unknown = ctx.name('cg-checks-none');
      const req = joinReq(group, names);
      const join = await hb(ctx, ids, req);
      const member = { groupId: group, memberId: req.memberId };
      return {
        join,
        leaveUnknownGroup: await hb(ctx, ids, { groupId: unknown, memberId: newMemberId(), memberEpoch: -1 }),
        staticLeaveUnknownGroup: await hb(ctx, ids, { groupId: unknown, memberId: newMemberId(), memberEpoch: -2, instanceId: 'i-1' }),
        staticLeaveWithoutInstance: await hb(ctx, ids, { ...member, memberEpoch: -2 }),
        epochBelowMinus2: await hb(ctx, ids, { ...member, memberEpoch: -3 }),
        emptyInstanceId: await hb(ctx, ids, joinReq(group, names, { instanceId: '' })),
        emptyRackId: await hb(ctx, ids, joinReq(group, names, { rackId: '' })),
        badRegex: await hb(ctx, ids, joinReq(group, [], { subscribedTopicNames: null, subscribedTopicRegex: 'cg-checks-(' })),
        commitV8: await ctx.wire.offsetCommit(group, join.memberEpoch, req.memberId, t, [{ index: 0, offset: 1n }]),
        stillThere: await describe(ctx, group),
      };
    },
  },
  {
    name: 'Classic admin APIs on a consumer group: OffsetDelete of a subscribed topic, LeaveGroup by instance id',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-admin', [['cg-admin', 1], ['cg-admin-other', 1]]);
      const [t, other] = names as [string, string];
      const dynamic = joinReq(group, [t]);
      const staticReq = joinReq(group, [other], { instanceId: 'admin-static' });
      const j1 = await hb(ctx, ids, dynamic);
      const j2 = await hb(ctx, ids, staticReq);
      const c1 = await ctx.wire.offsetCommitEpoch(group, j1.memberEpoch, dynamic.memberId, t, [{ index: 0, offset: 2n }]);
      const deleteSubscribed = await ctx.wire.offsetDelete(group, t, [0]);
      const leaveUnknownInstance = await ctx.wire.leaveGroup(group, [''], ['no-such-instance']);
      const leaveByInstance = await ctx.wire.leaveGroup(group, [''], ['admin-static']);
      // The removal is a new group epoch; Kafka computes its assignment in the background, so the
      // remaining member heartbeats until the group is Stable again and that state is compared.
      let epoch = j1.memberEpoch;
      const afterLeave = await until(`${group} stable after the removal`, async () => {
        const r = await hb(ctx, ids, { groupId: group, memberId: dynamic.memberId, memberEpoch: epoch, topicPartitions: owned(ids, j1.assignment) });
        if (r.errorCode !== 0) throw new Error(`heartbeat: ${r.errorCode}`);
        epoch = r.memberEpoch;
        return describe(ctx, group);
      }, (d) => d.groupState === 'Stable' && d.members.every((m) => m.memberEpoch === d.groupEpoch));
      const leaveDynamicById = await ctx.wire.leaveGroup(group, [dynamic.memberId]);
      await hb(ctx, ids, { groupId: group, memberId: dynamic.memberId, memberEpoch: -1 });
      const deleteAfter = await ctx.wire.offsetDelete(group, t, [0]);
      return {
        j1: j1.errorCode,
        j2: j2.errorCode,
        c1,
        deleteSubscribed,
        leaveUnknownInstance,
        leaveByInstance,
        afterLeave,
        leaveDynamicById,
        deleteAfter,
      };
    },
  },
  {
    name: 'Two members on one topic: the newcomer gets partitions only after the old owner released them',
    run: async (ctx) => {
      const { group, names, ids } = await setup(ctx, 'cg-handover', [['cg-handover', 4]]);
      const a = joinReq(group, names);
      const aJoin = await hb(ctx, ids, a);
      const b = joinReq(group, names);
      const bJoin = await hb(ctx, ids, b);
      // Which partitions each gets depends on the member ids (random), so what is compared is
      // the rule, step by step: no partition is ever held by both, the old owner gives up before
      // the newcomer gets anything, and the end is two and two.
      const held = { a: aJoin.assignment ?? [], b: bJoin.assignment ?? [] };
      const epoch = { a: aJoin.memberEpoch, b: bJoin.memberEpoch };
      const count = (x: { partitions: number[] }[]) => x.reduce((n, tp) => n + tp.partitions.length, 0);
      const set = (x: { partitions: number[] }[]) => new Set(x.flatMap((tp) => tp.partitions));
      let overlaps = 0;
      let bGotWhileAHadMore = false;
      const settled = await until(`${group} split two and two`, async () => {
        for (const [who, req] of [['a', a], ['b', b]] as const) {
          const r = await hb(ctx, ids, { groupId: group, memberId: req.memberId, memberEpoch: epoch[who], topicPartitions: owned(ids, held[who]) });
          if (r.errorCode !== 0) throw new Error(`heartbeat of ${who}: ${r.errorCode}`);
          epoch[who] = r.memberEpoch;
          if (r.assignment) held[who] = r.assignment;
          const sa = set(held.a);
          if ([...set(held.b)].some((p) => sa.has(p))) overlaps++;
          if (count(held.b) > 0 && count(held.a) > 2) bGotWhileAHadMore = true;
        }
        return describe(ctx, group);
      }, (d) => d.groupState === 'Stable' && count(held.a) === 2 && count(held.b) === 2 && d.members.every((m) => m.memberEpoch === d.groupEpoch));
      return {
        aJoin,
        bJoin: { errorCode: bJoin.errorCode, memberId: bJoin.memberId },
        overlaps,
        bGotWhileAHadMore,
        all: [...set(held.a), ...set(held.b)].sort(),
        final: { groupState: settled.groupState, groupEpoch: settled.groupEpoch, assignmentEpoch: settled.assignmentEpoch, members: settled.members.map((m) => ({ memberEpoch: m.memberEpoch, held: count(m.assignment.topicPartitions), target: count(m.targetAssignment.topicPartitions) })) },
      };
    },
  },
];
