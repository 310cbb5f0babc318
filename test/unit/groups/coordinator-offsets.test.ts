import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupCoordinator } from '../../../src/broker/groups/coordinator.js';
import type { OffsetCommitInput } from '../../../src/broker/groups/types.js';
import { closeAll, joinInput, joinWithHandshake, makeCoordinator } from './helpers.js';

afterEach(closeAll);

const entry = (partition: number, offset: bigint, metadata: string | null = null) => ({ topic: 't', partition, offset, metadata });

function commit(c: GroupCoordinator, overrides: Partial<OffsetCommitInput>): Promise<number[]> {
  return c.commitOffsets({
    groupId: 'g',
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    entries: [entry(0, 10n)],
    ...overrides,
  });
}

/** One member, synced: the group is Stable at generation 1. */
async function stableMember(c: GroupCoordinator): Promise<{ memberId: string; generation: number }> {
  const j = await joinWithHandshake(c);
  const r = await j.joined;
  await c.syncGroup({ groupId: 'g', generationId: r.generationId, memberId: j.memberId, groupInstanceId: null, assignments: [] });
  return { memberId: j.memberId, generation: r.generationId };
}

describe('OffsetCommit', () => {
  test('generation -1 without a member id is accepted for a group that does not exist, which then lists as Empty', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    assert.deepEqual(await commit(c, { entries: [entry(0, 10n, 'm'), entry(1, 20n)] }), [0, 0]);
    assert.equal(offsets.get('g', 't', 0)?.offset, 10n);
    assert.equal(offsets.get('g', 't', 0)?.metadata, 'm');
    assert.equal(offsets.get('g', 't', 1)?.offset, 20n);
    assert.deepEqual(c.listGroups(), [{ groupId: 'g', protocolType: '', state: 'Empty', type: 'classic' }]);
    assert.equal(c.describeGroup('g').state, 'Empty');
  });

  test('a commit naming a generation for a group that does not exist is ILLEGAL_GENERATION', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    assert.deepEqual(await commit(c, { generationId: 3, memberId: 'm' }), [22]);
    assert.equal(offsets.get('g', 't', 0), undefined);
    assert.deepEqual(c.listGroups(), []);
  });

  test('members commit with their generation; outsiders get 25, stale generations 22', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    const { memberId, generation } = await stableMember(c);
    assert.deepEqual(await commit(c, { generationId: generation, memberId, entries: [entry(0, 5n)] }), [0]);
    assert.equal(offsets.get('g', 't', 0)?.offset, 5n);

    assert.deepEqual(await commit(c, { generationId: -1, memberId: '' }), [25], 'non-member on a non-empty group');
    assert.deepEqual(await commit(c, { generationId: generation, memberId: 'ghost' }), [25]);
    assert.deepEqual(await commit(c, { generationId: generation - 1, memberId }), [22]);
    assert.deepEqual(await commit(c, { generationId: -1, memberId }), [22], 'a member id with generation -1 is still checked');
    assert.equal(offsets.get('g', 't', 0)?.offset, 5n, 'refused commits change nothing');
  });

  test('commits are refused with 27 during CompletingRebalance and accepted during PreparingRebalance', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    const a = await joinWithHandshake(c);
    const b = await joinWithHandshake(c);
    const [ra] = await Promise.all([a.joined, b.joined]);
    assert.equal(c.describeGroup('g').state, 'CompletingRebalance');
    assert.deepEqual(await commit(c, { generationId: ra.generationId, memberId: b.memberId }), [27]);

    const sync = (memberId: string) =>
      c.syncGroup({ groupId: 'g', generationId: ra.generationId, memberId, groupInstanceId: null, assignments: [] });
    await Promise.all([sync(b.memberId), sync(a.memberId)]);
    await joinWithHandshake(c); // a third member: Stable -> PreparingRebalance
    assert.equal(c.describeGroup('g').state, 'PreparingRebalance');
    assert.deepEqual(await commit(c, { generationId: ra.generationId, memberId: b.memberId, entries: [entry(2, 7n)] }), [0]);
    assert.equal(offsets.get('g', 't', 2)?.offset, 7n);
  });

  test('an accepted commit counts as a sign of life for the session', async () => {
    const { coordinator: c } = makeCoordinator();
    const j = await joinWithHandshake(c, { sessionTimeoutMs: 150 });
    const r = await j.joined;
    await c.syncGroup({ groupId: 'g', generationId: r.generationId, memberId: j.memberId, groupInstanceId: null, assignments: [] });
    for (let i = 0; i < 5; i++) {
      await new Promise((res) => setTimeout(res, 60));
      assert.deepEqual(await commit(c, { generationId: r.generationId, memberId: j.memberId }), [0]);
    }
    // 300 ms in, twice the session timeout, and only commits were sent.
    assert.equal(c.describeGroup('g').state, 'Stable');
  });

  test('metadata longer than 4096 bytes is refused per partition with 12', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    const codes = await commit(c, { entries: [entry(0, 1n, 'x'.repeat(4096)), entry(1, 1n, 'x'.repeat(4097))] });
    assert.deepEqual(codes, [0, 12]);
    assert.equal(offsets.get('g', 't', 1), undefined);
  });

  test('a failing store reports UNKNOWN_SERVER_ERROR instead of success', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    offsets.commit = async () => {
      throw new Error('disk full');
    };
    assert.deepEqual(await commit(c, {}), [-1]);
  });
});

describe('OffsetFetch', () => {
  test('partitions without a commit come back as -1 with empty metadata and no error', async () => {
    const { coordinator: c } = makeCoordinator();
    await commit(c, { entries: [entry(1, 42n, 'meta')] });
    const out = c.fetchOffsets('g', [{ topic: 't', partitions: [0, 1] }, { topic: 'other', partitions: [0] }]);
    assert.deepEqual(out, {
      errorCode: 0,
      topics: [
        {
          topic: 't',
          partitions: [
            { partition: 0, offset: -1n, metadata: '', errorCode: 0 },
            { partition: 1, offset: 42n, metadata: 'meta', errorCode: 0 },
          ],
        },
        { topic: 'other', partitions: [{ partition: 0, offset: -1n, metadata: '', errorCode: 0 }] },
      ],
    });
    assert.deepEqual(c.fetchOffsets('unknown-group', [{ topic: 't', partitions: [0] }]).topics[0].partitions[0].offset, -1n);
  });

  test('null topics returns every committed partition of the group', async () => {
    const { coordinator: c } = makeCoordinator();
    await commit(c, { entries: [entry(2, 3n), entry(0, 1n), { topic: 'u', partition: 0, offset: 9n, metadata: null }] });
    const out = c.fetchOffsets('g', null);
    assert.deepEqual(
      out.topics.map((t) => [t.topic, t.partitions.map((p) => [p.partition, p.offset])]),
      [
        ['t', [[0, 1n], [2, 3n]]],
        ['u', [[0, 9n]]],
      ],
    );
    assert.deepEqual(c.fetchOffsets('nobody', null), { errorCode: 0, topics: [] });
  });
});

describe('describe, list and delete', () => {
  test('describe reports members, protocol and assignments of a Stable group', async () => {
    const { coordinator: c } = makeCoordinator();
    const j = await c.joinGroup(joinInput({ requireKnownMemberId: false, clientId: 'web', clientHost: '10.0.0.7' }));
    await c.syncGroup({
      groupId: 'g',
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: null,
      assignments: [{ memberId: j.memberId, assignment: Buffer.from('assigned') }],
    });
    const d = c.describeGroup('g');
    assert.equal(d.errorCode, 0);
    assert.equal(d.state, 'Stable');
    assert.equal(d.protocolType, 'consumer');
    assert.equal(d.protocol, 'range');
    assert.equal(d.members.length, 1);
    const m = d.members[0];
    assert.deepEqual(
      [m.memberId, m.clientId, m.clientHost, m.groupInstanceId, m.metadata.toString(), m.assignment.toString()],
      [j.memberId, 'web', '10.0.0.7', null, 'meta', 'assigned'],
    );
  });

  test('describe of an unknown group is Dead with no error', () => {
    const { coordinator: c } = makeCoordinator();
    const d = c.describeGroup('nope');
    assert.deepEqual([d.errorCode, d.state, d.protocolType, d.protocol, d.members.length], [0, 'Dead', '', '', 0]);
  });

  test('list includes live groups with their state and groups that only have committed offsets', async () => {
    const { coordinator: c } = makeCoordinator();
    await stableMember(c);
    await c.commitOffsets({ groupId: 'offsets-only', generationId: -1, memberId: '', groupInstanceId: null, entries: [entry(0, 1n)] });
    assert.deepEqual(c.listGroups(), [
      { groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'classic' },
      { groupId: 'offsets-only', protocolType: '', state: 'Empty', type: 'classic' },
    ]);
  });

  test('delete refuses groups with members (68) and unknown groups (69), and removes offsets of empty ones', async () => {
    const { coordinator: c, offsets } = makeCoordinator();
    const { memberId, generation } = await stableMember(c);
    await commit(c, { generationId: generation, memberId });
    await c.commitOffsets({ groupId: 'idle', generationId: -1, memberId: '', groupInstanceId: null, entries: [entry(0, 1n)] });

    assert.deepEqual(await c.deleteGroups(['g', 'idle', 'missing']), [
      { groupId: 'g', errorCode: 68 },
      { groupId: 'idle', errorCode: 0 },
      { groupId: 'missing', errorCode: 69 },
    ]);
    assert.equal(offsets.get('idle', 't', 0), undefined);
    assert.equal(c.describeGroup('idle').state, 'Dead');
    assert.equal(offsets.get('g', 't', 0)?.offset, 10n);

    // Once the member leaves, the group is Empty (kept, since it has offsets) and can be deleted.
    c.leaveGroup('g', [{ memberId, groupInstanceId: null }]);
    assert.equal(c.describeGroup('g').state, 'Empty');
    assert.deepEqual(await c.deleteGroups(['g']), [{ groupId: 'g', errorCode: 0 }]);
    assert.equal(offsets.get('g', 't', 0), undefined);
    assert.deepEqual(c.listGroups(), []);
    // A deleted group starts from scratch: its old member id means nothing.
    assert.equal((await c.joinGroup(joinInput({ memberId }))).errorCode, 25);
  });
});
