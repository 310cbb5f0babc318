import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GroupCoordinator } from '../../../src/broker/groups/coordinator.js';
import type { JoinGroupOutcome } from '../../../src/broker/groups/types.js';
import { closeAll, isPending, joinInput, joinWithHandshake, makeCoordinator } from './helpers.js';

function coordinator(overrides: Parameters<typeof makeCoordinator>[0] = {}): GroupCoordinator {
  return makeCoordinator(overrides).coordinator;
}
afterEach(closeAll);

/** Joins n members into a fresh group and completes the first generation; returns member ids, leader first. */
async function stableGroup(c: GroupCoordinator, n: number, overrides: Parameters<typeof joinInput>[0] = {}) {
  const joins = [];
  for (let i = 0; i < n; i++) joins.push(await joinWithHandshake(c, { clientId: `c${i}`, ...overrides }));
  const results = await Promise.all(joins.map((j) => j.joined));
  const leader = results[0].leader;
  const ids = joins.map((j) => j.memberId);
  const gen = results[0].generationId;
  const syncs = ids.map((id) =>
    c.syncGroup({
      groupId: overrides.groupId ?? 'g',
      generationId: gen,
      memberId: id,
      groupInstanceId: null,
      assignments: id === leader ? ids.map((m) => ({ memberId: m, assignment: Buffer.from(`a:${m}`) })) : [],
    }),
  );
  await Promise.all(syncs);
  return { ids, leader, generation: gen };
}

describe('JoinGroup', () => {
  test('v4+ member without id gets MEMBER_ID_REQUIRED with a clientId-uuid id, then joins', async () => {
    const c = coordinator();
    const first = await c.joinGroup(joinInput({ clientId: 'app' }));
    assert.equal(first.errorCode, 79);
    assert.match(first.memberId, /^app-[0-9a-f-]{36}$/);
    assert.equal(c.describeGroup('g').state, 'Empty');

    const joined = await c.joinGroup(joinInput({ clientId: 'app', memberId: first.memberId }));
    assert.equal(joined.errorCode, 0);
    assert.equal(joined.generationId, 1);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.memberId, first.memberId);
    assert.equal(joined.protocolName, 'range');
    assert.deepEqual(
      joined.members.map((m) => [m.memberId, m.metadata.toString()]),
      [[first.memberId, 'meta']],
    );
    assert.equal(c.describeGroup('g').state, 'CompletingRebalance');
  });

  test('versions before 4 join directly, never MEMBER_ID_REQUIRED', async () => {
    const c = coordinator();
    const joined = await c.joinGroup(joinInput({ requireKnownMemberId: false, clientId: 'py' }));
    assert.equal(joined.errorCode, 0);
    assert.match(joined.memberId, /^py-/);
    assert.equal(joined.leader, joined.memberId);
    assert.equal(joined.generationId, 1);
  });

  test('session timeout outside the configured bounds is INVALID_SESSION_TIMEOUT', async () => {
    const c = coordinator({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 10_000 });
    assert.equal((await c.joinGroup(joinInput({ sessionTimeoutMs: 5999 }))).errorCode, 26);
    assert.equal((await c.joinGroup(joinInput({ sessionTimeoutMs: 10_001 }))).errorCode, 26);
    assert.equal((await c.joinGroup(joinInput({ sessionTimeoutMs: 6000 }))).errorCode, 79);
  });

  test('unknown member id is UNKNOWN_MEMBER_ID, for a missing and an existing group', async () => {
    const c = coordinator();
    assert.equal((await c.joinGroup(joinInput({ memberId: 'ghost' }))).errorCode, 25);
    await stableGroup(c, 1);
    assert.equal((await c.joinGroup(joinInput({ memberId: 'ghost' }))).errorCode, 25);
  });

  test('different protocol type or no shared protocol is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const c = coordinator();
    await stableGroup(c, 1);
    assert.equal((await c.joinGroup(joinInput({ protocolType: 'connect' }))).errorCode, 23);
    const other = await c.joinGroup(joinInput({ protocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.alloc(0) }] }));
    assert.equal(other.errorCode, 23);
    // Sharing one protocol is enough.
    const ok = await c.joinGroup(
      joinInput({
        protocols: [
          { name: 'roundrobin', metadata: Buffer.alloc(0) },
          { name: 'range', metadata: Buffer.alloc(0) },
        ],
      }),
    );
    assert.equal(ok.errorCode, 79);
  });

  test('three members joining during the initial delay form one generation; only the leader sees members', async () => {
    const c = coordinator();
    const a = await joinWithHandshake(c, { clientId: 'a' });
    const b = await joinWithHandshake(c, { clientId: 'b' });
    const d = await joinWithHandshake(c, { clientId: 'd' });
    const [ra, rb, rd] = await Promise.all([a.joined, b.joined, d.joined]);
    for (const r of [ra, rb, rd]) {
      assert.equal(r.errorCode, 0);
      assert.equal(r.generationId, 1);
      assert.equal(r.leader, a.memberId, 'first joiner leads');
    }
    assert.deepEqual(
      ra.members.map((m) => m.memberId),
      [a.memberId, b.memberId, d.memberId],
    );
    assert.deepEqual(rb.members, []);
    assert.deepEqual(rd.members, []);
  });

  test('each joiner during the initial delay extends it, capped by the rebalance timeout', async () => {
    // Measured as a lower bound (timers never fire early), so a slow machine cannot fail it:
    // without the extension the join would complete 300 ms after a's join, i.e. ~200 ms after b's.
    const c = coordinator({ initialRebalanceDelayMs: 300 });
    const a = await joinWithHandshake(c, { rebalanceTimeoutMs: 5_000 });
    await sleep(100);
    assert.equal(await isPending(a.joined), true, 'b joins during the initial delay');
    const bJoinedAt = Date.now();
    const b = await joinWithHandshake(c, { rebalanceTimeoutMs: 5_000 });
    const [ra, rb] = await Promise.all([a.joined, b.joined]);
    const waited = Date.now() - bJoinedAt;
    assert.ok(waited >= 295, `the join completed ${waited} ms after b joined; the delay should have restarted then`);
    assert.equal(ra.generationId, 1);
    assert.equal(rb.generationId, 1);
    assert.equal(ra.members.length, 2);
  });

  test('protocol is chosen by vote among protocols every member supports', async () => {
    const c = coordinator();
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: Buffer.from(name) }));
    const a = await joinWithHandshake(c, { protocols: p('range', 'roundrobin') });
    const b = await joinWithHandshake(c, { protocols: p('roundrobin', 'range') });
    const d = await joinWithHandshake(c, { protocols: p('roundrobin', 'sticky', 'range') });
    const [ra] = await Promise.all([a.joined, b.joined, d.joined]);
    assert.equal(ra.protocolName, 'roundrobin');
    assert.deepEqual(
      ra.members.map((m) => m.metadata.toString()),
      ['roundrobin', 'roundrobin', 'roundrobin'],
    );
  });
});

describe('SyncGroup', () => {
  test('followers park until the leader syncs; each gets its own bytes, omitted members get empty', async () => {
    const c = coordinator();
    const a = await joinWithHandshake(c);
    const b = await joinWithHandshake(c);
    const d = await joinWithHandshake(c);
    const [ra] = await Promise.all([a.joined, b.joined, d.joined]);
    const sync = (memberId: string, assignments: { memberId: string; assignment: Buffer }[] = []) =>
      c.syncGroup({ groupId: 'g', generationId: ra.generationId, memberId, groupInstanceId: null, assignments });

    const sb = sync(b.memberId);
    const sd = sync(d.memberId);
    assert.equal(await isPending(sb), true);
    assert.equal(await isPending(sd), true);

    const sa = await sync(a.memberId, [
      { memberId: a.memberId, assignment: Buffer.from('for-a') },
      { memberId: b.memberId, assignment: Buffer.from('for-b') },
    ]);
    assert.equal(sa.errorCode, 0);
    assert.equal(sa.assignment.toString(), 'for-a');
    const [rb, rd] = await Promise.all([sb, sd]);
    assert.equal(rb.errorCode, 0);
    assert.equal(rb.assignment.toString(), 'for-b');
    assert.equal(rd.errorCode, 0);
    assert.equal(rd.assignment.length, 0);
    assert.equal(c.describeGroup('g').state, 'Stable');

    // Once Stable, SyncGroup answers at once with the stored assignment.
    const again = await sync(b.memberId);
    assert.equal(again.assignment.toString(), 'for-b');
  });

  test('unknown member 25, wrong generation 22, rebalance in progress 27', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 1);
    const base = { groupId: 'g', groupInstanceId: null, assignments: [] };
    assert.equal((await c.syncGroup({ ...base, generationId: generation, memberId: 'ghost' })).errorCode, 25);
    assert.equal((await c.syncGroup({ ...base, generationId: generation + 1, memberId: ids[0] })).errorCode, 22);
    assert.equal((await c.syncGroup({ ...base, groupId: 'nope', generationId: 1, memberId: ids[0] })).errorCode, 25);

    // A second member arriving puts the group into PreparingRebalance until ids[0] rejoins.
    const late = await joinWithHandshake(c);
    assert.equal(c.describeGroup('g').state, 'PreparingRebalance');
    assert.equal((await c.syncGroup({ ...base, generationId: generation, memberId: ids[0] })).errorCode, 27);
    c.joinGroup(joinInput({ memberId: ids[0] }));
    assert.equal((await late.joined).generationId, generation + 1);
  });

  test('a parked SyncGroup is answered REBALANCE_IN_PROGRESS when a new rebalance starts', async () => {
    const c = coordinator();
    const a = await joinWithHandshake(c);
    const b = await joinWithHandshake(c);
    const [ra] = await Promise.all([a.joined, b.joined]);
    const parked = c.syncGroup({ groupId: 'g', generationId: ra.generationId, memberId: b.memberId, groupInstanceId: null, assignments: [] });
    assert.equal(await isPending(parked), true);
    await joinWithHandshake(c); // new member: CompletingRebalance -> PreparingRebalance
    const r = await parked;
    assert.equal(r.errorCode, 27);
    assert.equal(c.describeGroup('g').state, 'PreparingRebalance');
  });

  test('members that never sync within the rebalance timeout are removed and the group rebalances', async () => {
    const c = coordinator();
    const a = await joinWithHandshake(c, { rebalanceTimeoutMs: 150 });
    const b = await joinWithHandshake(c, { rebalanceTimeoutMs: 150 });
    const [ra] = await Promise.all([a.joined, b.joined]);
    const leaderSync = await c.syncGroup({
      groupId: 'g',
      generationId: ra.generationId,
      memberId: a.memberId,
      groupInstanceId: null,
      assignments: [{ memberId: a.memberId, assignment: Buffer.from('x') }],
    });
    assert.equal(leaderSync.errorCode, 0);
    assert.equal(c.describeGroup('g').state, 'Stable');
    // b never sends SyncGroup.
    await sleep(250);
    const d = c.describeGroup('g');
    assert.deepEqual(d.members.map((m) => m.memberId), [a.memberId]);
    assert.equal(d.state, 'PreparingRebalance');
    assert.equal(c.heartbeat({ groupId: 'g', generationId: ra.generationId, memberId: a.memberId, groupInstanceId: null }), 27);
    const rejoin = await c.joinGroup(joinInput({ memberId: a.memberId, rebalanceTimeoutMs: 150 }));
    assert.equal(rejoin.generationId, ra.generationId + 1);
  });
});

describe('Heartbeat', () => {
  test('0 when stable; 25 unknown member, missing group; 22 wrong generation; 27 while preparing', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 2);
    const hb = (memberId: string, generationId = generation, groupId = 'g') =>
      c.heartbeat({ groupId, generationId, memberId, groupInstanceId: null });
    assert.equal(hb(ids[0]), 0);
    assert.equal(hb(ids[1]), 0);
    assert.equal(hb('ghost'), 25);
    assert.equal(hb(ids[0], generation, 'other'), 25);
    assert.equal(hb(ids[0], generation - 1), 22);

    const late = await joinWithHandshake(c);
    assert.equal(hb(ids[0]), 27);
    assert.equal(hb(ids[1]), 27);
    c.joinGroup(joinInput({ memberId: ids[0] }));
    c.joinGroup(joinInput({ memberId: ids[1] }));
    const r = await late.joined;
    assert.equal(r.generationId, generation + 1);
    assert.equal(hb(ids[0], r.generationId), 0, 'CompletingRebalance heartbeats are fine');
    assert.equal(hb(ids[0], generation), 22);
  });

  test('heartbeats during PreparingRebalance keep a slow-to-rejoin member alive', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 2, { sessionTimeoutMs: 120, rebalanceTimeoutMs: 2_000 });
    const late = await joinWithHandshake(c, { sessionTimeoutMs: 120, rebalanceTimeoutMs: 2_000 });
    // ids[0] and ids[1] keep heartbeating (and getting 27) for longer than a session before rejoining.
    for (let i = 0; i < 6; i++) {
      assert.equal(c.heartbeat({ groupId: 'g', generationId: generation, memberId: ids[0], groupInstanceId: null }), 27);
      assert.equal(c.heartbeat({ groupId: 'g', generationId: generation, memberId: ids[1], groupInstanceId: null }), 27);
      await sleep(40);
    }
    c.joinGroup(joinInput({ memberId: ids[0], sessionTimeoutMs: 120, rebalanceTimeoutMs: 2_000 }));
    c.joinGroup(joinInput({ memberId: ids[1], sessionTimeoutMs: 120, rebalanceTimeoutMs: 2_000 }));
    const r = await late.joined;
    assert.equal(r.generationId, generation + 1);
    assert.equal(c.describeGroup('g').members.length, 3);
  });
});

describe('rebalancing', () => {
  test('a new member triggers a rebalance that waits for every known member; the leader stays', async () => {
    const c = coordinator();
    const { ids, leader, generation } = await stableGroup(c, 2);
    const late = await joinWithHandshake(c, { clientId: 'late' });
    assert.equal(await isPending(late.joined), true);
    const j0 = c.joinGroup(joinInput({ memberId: ids[0] }));
    assert.equal(await isPending(late.joined), true, 'still waiting for the second old member');
    const j1 = c.joinGroup(joinInput({ memberId: ids[1] }));
    const [rl, r0, r1] = await Promise.all([late.joined, j0, j1]);
    for (const r of [rl, r0, r1]) {
      assert.equal(r.generationId, generation + 1);
      assert.equal(r.leader, leader);
    }
    assert.equal(r0.members.length, 3);
    assert.equal(rl.members.length, 0);
  });

  test('members that do not rejoin within the rebalance timeout are removed', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 2, { rebalanceTimeoutMs: 150 });
    const late = await joinWithHandshake(c, { rebalanceTimeoutMs: 150 });
    const j1 = c.joinGroup(joinInput({ memberId: ids[1], rebalanceTimeoutMs: 150 }));
    const [rl, r1] = await Promise.all([late.joined, j1]);
    assert.equal(rl.generationId, generation + 1);
    // ids[0] was the leader but did not rejoin, so leadership moved to a member that did.
    assert.equal(r1.leader, ids[1]);
    assert.deepEqual(r1.members.map((m) => m.memberId).sort(), [ids[1], late.memberId].sort());
    assert.equal(c.heartbeat({ groupId: 'g', generationId: generation, memberId: ids[0], groupInstanceId: null }), 25);
  });

  test('a Stable follower rejoining with the same metadata gets the current generation; the leader forces a rebalance', async () => {
    const c = coordinator();
    const { ids, leader, generation } = await stableGroup(c, 2);
    const follower = ids.find((id) => id !== leader)!;
    const same = await c.joinGroup(joinInput({ memberId: follower }));
    assert.equal(same.errorCode, 0);
    assert.equal(same.generationId, generation);
    assert.equal(c.describeGroup('g').state, 'Stable');

    const leaderJoin = c.joinGroup(joinInput({ memberId: leader }));
    assert.equal(c.describeGroup('g').state, 'PreparingRebalance');
    const followerJoin = c.joinGroup(joinInput({ memberId: follower }));
    const [rl, rf] = await Promise.all([leaderJoin, followerJoin]);
    assert.equal(rl.generationId, generation + 1);
    assert.equal(rf.generationId, generation + 1);
  });

  test('a rebalance timeout of -1 ("not given") falls back to the session timeout instead of expiring at once', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 2, { rebalanceTimeoutMs: -1, sessionTimeoutMs: 300 });
    const rebalanceFrom = Date.now();
    const late = await joinWithHandshake(c, { rebalanceTimeoutMs: -1, sessionTimeoutMs: 300 });
    c.joinGroup(joinInput({ memberId: ids[0], rebalanceTimeoutMs: -1, sessionTimeoutMs: 300 }));
    assert.equal(await isPending(late.joined), true, 'waiting for ids[1] to rejoin');
    const r = await late.joined;
    // A lower bound, safe on a slow machine: ids[1] was given the 300 ms session to rejoin.
    const waited = Date.now() - rebalanceFrom;
    assert.ok(waited >= 295, `the rebalance gave up on ids[1] after ${waited} ms`);
    assert.equal(r.generationId, generation + 1);
    assert.equal(r.leader, ids[0]);
  });

  test('a single member rejoining with changed metadata rebalances immediately', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 1);
    const r = await c.joinGroup(joinInput({ memberId: ids[0], protocols: [{ name: 'range', metadata: Buffer.from('new') }] }));
    assert.equal(r.generationId, generation + 1);
    assert.equal(r.members[0].metadata.toString(), 'new');
  });
});

describe('LeaveGroup', () => {
  test('leaving rebalances the rest at once; the last member leaving empties the group', async () => {
    const c = coordinator();
    const { ids, leader, generation } = await stableGroup(c, 2);
    const follower = ids.find((id) => id !== leader)!;
    const left = c.leaveGroup('g', [{ memberId: leader, groupInstanceId: null }]);
    assert.deepEqual(left, { errorCode: 0, members: [{ memberId: leader, groupInstanceId: null, errorCode: 0 }] });
    assert.equal(c.describeGroup('g').state, 'PreparingRebalance');
    assert.equal(c.heartbeat({ groupId: 'g', generationId: generation, memberId: follower, groupInstanceId: null }), 27);

    const r = await c.joinGroup(joinInput({ memberId: follower }));
    assert.equal(r.generationId, generation + 1);
    assert.equal(r.leader, follower);
    await c.syncGroup({ groupId: 'g', generationId: r.generationId, memberId: follower, groupInstanceId: null, assignments: [] });

    c.leaveGroup('g', [{ memberId: follower, groupInstanceId: null }]);
    const d = c.describeGroup('g');
    // Like Kafka, the emptied group stays (Empty, with its protocol type) until its periodic
    // cleanup, even without committed offsets: listed, describable and deletable.
    assert.deepEqual([d.state, d.members.length, d.protocolType], ['Empty', 0, 'consumer']);
    assert.deepEqual(c.listGroups().map((g) => [g.groupId, g.state]), [['g', 'Empty']]);
    assert.deepEqual(await c.deleteGroups(['g']), [{ groupId: 'g', errorCode: 0 }]);
    assert.equal(c.describeGroup('g').state, 'Dead');
  });

  test('batch leave reports per-member errors', async () => {
    const c = coordinator();
    const { ids } = await stableGroup(c, 3);
    const out = c.leaveGroup('g', [
      { memberId: ids[1], groupInstanceId: null },
      { memberId: 'ghost', groupInstanceId: null },
      { memberId: ids[2], groupInstanceId: null },
    ]);
    assert.equal(out.errorCode, 0);
    assert.deepEqual(out.members.map((m) => m.errorCode), [0, 25, 0]);
    assert.deepEqual(c.describeGroup('g').members.map((m) => m.memberId), [ids[0]]);
    assert.deepEqual(c.leaveGroup('missing', [{ memberId: 'x', groupInstanceId: null }]).members[0].errorCode, 25);
  });

  test('a member parked in JoinGroup that leaves gets UNKNOWN_MEMBER_ID', async () => {
    const c = coordinator();
    const { ids } = await stableGroup(c, 2);
    const late = await joinWithHandshake(c);
    const j0 = c.joinGroup(joinInput({ memberId: ids[0] }));
    c.leaveGroup('g', [{ memberId: ids[0], groupInstanceId: null }]);
    assert.equal((await j0).errorCode, 25);
    c.joinGroup(joinInput({ memberId: ids[1] }));
    assert.equal((await late.joined).errorCode, 0);
  });
});

describe('session expiry', () => {
  test('a silent member is removed after its session timeout and the rest rebalance', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 2, { sessionTimeoutMs: 150 });
    // Only ids[0] heartbeats.
    for (let i = 0; i < 6; i++) {
      await sleep(40);
      const err = c.heartbeat({ groupId: 'g', generationId: generation, memberId: ids[0], groupInstanceId: null });
      if (err === 27) break;
    }
    assert.equal(c.describeGroup('g').state, 'PreparingRebalance');
    assert.equal(c.heartbeat({ groupId: 'g', generationId: generation, memberId: ids[1], groupInstanceId: null }), 25);
    const r = await c.joinGroup(joinInput({ memberId: ids[0], sessionTimeoutMs: 150 }));
    assert.equal(r.generationId, generation + 1);
    assert.deepEqual(r.members.map((m) => m.memberId), [ids[0]]);
  });

  test('the last member expiring leaves the group Empty (with offsets kept)', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 1, { sessionTimeoutMs: 100 });
    const codes = await c.commitOffsets({
      groupId: 'g',
      generationId: generation,
      memberId: ids[0],
      groupInstanceId: null,
      entries: [{ topic: 't', partition: 0, offset: 5n, metadata: null }],
    });
    assert.deepEqual(codes, [0]);
    await sleep(250);
    const d = c.describeGroup('g');
    assert.equal(d.state, 'Empty');
    assert.equal(d.members.length, 0);
    assert.equal(d.generationId, generation + 1);
  });

  test('a member id handed out with MEMBER_ID_REQUIRED expires if never used', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 1);
    const pending = await c.joinGroup(joinInput({ sessionTimeoutMs: 100 }));
    assert.equal(pending.errorCode, 79);
    // A rebalance now waits for the pending member too, until it expires.
    const rejoin = c.joinGroup(joinInput({ memberId: ids[0] }));
    assert.equal(await isPending(rejoin), true);
    const r = await rejoin;
    assert.equal(r.generationId, generation + 1);
    assert.equal((await c.joinGroup(joinInput({ memberId: pending.memberId }))).errorCode, 25);
  });

  test('a member blocked in JoinGroup is not expired while it waits', async () => {
    const c = coordinator();
    const { ids, generation } = await stableGroup(c, 2, { sessionTimeoutMs: 80, rebalanceTimeoutMs: 400 });
    c.heartbeat({ groupId: 'g', generationId: generation, memberId: ids[1], groupInstanceId: null });
    const j0 = c.joinGroup(joinInput({ memberId: ids[0], sessionTimeoutMs: 80, rebalanceTimeoutMs: 400 }));
    // ids[1] stops heartbeating and expires; ids[0]'s own 80 ms session runs out while it is parked,
    // which must not count against it.
    const r0 = await j0;
    assert.equal(r0.errorCode, 0);
    assert.equal(r0.generationId, generation + 1);
    assert.deepEqual(r0.members.map((m) => m.memberId), [ids[0]]);
  });
});

describe('static members', () => {
  test('a new join with a known group.instance.id fences the old member id', async () => {
    const c = coordinator();
    const first = await c.joinGroup(joinInput({ groupInstanceId: 'inst-1' }));
    assert.equal(first.errorCode, 0, 'static members skip MEMBER_ID_REQUIRED');
    assert.match(first.memberId, /^inst-1-/);
    await c.syncGroup({ groupId: 'g', generationId: first.generationId, memberId: first.memberId, groupInstanceId: 'inst-1', assignments: [] });

    const second = await c.joinGroup(joinInput({ groupInstanceId: 'inst-1' }));
    assert.equal(second.errorCode, 0);
    assert.notEqual(second.memberId, first.memberId);
    assert.equal(
      c.heartbeat({ groupId: 'g', generationId: second.generationId, memberId: first.memberId, groupInstanceId: 'inst-1' }),
      82,
    );
    assert.deepEqual(c.describeGroup('g').members.map((m) => [m.memberId, m.groupInstanceId]), [[second.memberId, 'inst-1']]);
  });
});

describe('close', () => {
  test('answers parked JoinGroup and SyncGroup with COORDINATOR_NOT_AVAILABLE and refuses new work', async () => {
    const c = coordinator({ initialRebalanceDelayMs: 60_000 });
    const a = await joinWithHandshake(c, { rebalanceTimeoutMs: 120_000 });
    const parkedJoin: Promise<JoinGroupOutcome> = a.joined;
    assert.equal(await isPending(parkedJoin), true);
    c.close();
    assert.equal((await parkedJoin).errorCode, 15);
    assert.equal((await c.joinGroup(joinInput())).errorCode, 15);
    assert.equal(c.heartbeat({ groupId: 'g', generationId: 1, memberId: a.memberId, groupInstanceId: null }), 15);
  });

  test('answers a parked follower SyncGroup with COORDINATOR_NOT_AVAILABLE', async () => {
    const c = coordinator();
    const a = await joinWithHandshake(c);
    const b = await joinWithHandshake(c);
    const [ra] = await Promise.all([a.joined, b.joined]);
    const parked = c.syncGroup({ groupId: 'g', generationId: ra.generationId, memberId: b.memberId, groupInstanceId: null, assignments: [] });
    assert.equal(await isPending(parked), true);
    c.close();
    assert.equal((await parked).errorCode, 15);
  });
});
