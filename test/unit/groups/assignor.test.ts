/**
 * The server-side assignors of KIP-848 groups (src/broker/groups/assignor.ts): balance,
 * stickiness, determinism, and range's contiguous ranges.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assign, type AssignorMember, type TopicAssignment } from '../../../src/broker/groups/assignor.js';
import { Prng, testSeed } from '../../helpers/prng.js';

const T1 = '00000000-0000-4000-8000-000000000001';
const T2 = '00000000-0000-4000-8000-000000000002';
const T3 = '00000000-0000-4000-8000-000000000003';

function m(memberId: string, topics: string[], previous: TopicAssignment = new Map()): AssignorMember {
  return { memberId, topics: new Set(topics), previous };
}

const flat = (a: TopicAssignment) => [...a].flatMap(([t, ps]) => [...ps].map((p) => `${t}:${p}`));
const count = (a: TopicAssignment) => flat(a).length;

/** Every partition of the subscribed topics assigned exactly once, to a subscriber. */
function assertComplete(result: Map<string, TopicAssignment>, members: AssignorMember[], counts: Map<string, number>): void {
  const seen = new Set<string>();
  for (const [id, a] of result) {
    const mem = members.find((x) => x.memberId === id)!;
    for (const [t, ps] of a) {
      assert.ok(mem.topics.has(t), `${id} got ${t} without subscribing`);
      for (const p of ps) {
        const ref = `${t}:${p}`;
        assert.ok(!seen.has(ref), `${ref} assigned twice`);
        assert.ok(p < counts.get(t)!, `${ref} does not exist`);
        seen.add(ref);
      }
    }
  }
  for (const [t, n] of counts) {
    if (!members.some((x) => x.topics.has(t))) continue;
    for (let p = 0; p < n; p++) assert.ok(seen.has(`${t}:${p}`), `${t}:${p} unassigned`);
  }
}

describe('uniform assignor', () => {
  test('one member gets every partition', () => {
    const counts = new Map([
      [T1, 3],
      [T2, 2],
    ]);
    const r = assign('uniform', { members: [m('a', [T1, T2])], partitionCounts: counts });
    assert.deepEqual(flat(r.get('a')!).sort(), [`${T1}:0`, `${T1}:1`, `${T1}:2`, `${T2}:0`, `${T2}:1`]);
  });

  test('N members with one subscription get ⌊P/N⌋ or ⌈P/N⌉ each', () => {
    for (const [n, p] of [
      [2, 4],
      [3, 10],
      [4, 3],
      [5, 17],
    ]) {
      const members = Array.from({ length: n }, (_, i) => m(`member-${i}`, [T1]));
      const counts = new Map([[T1, p]]);
      const r = assign('uniform', { members, partitionCounts: counts });
      assertComplete(r, members, counts);
      const loads = [...r.values()].map(count).sort((x, y) => x - y);
      assert.ok(loads[loads.length - 1] - loads[0] <= 1, `${n} members, ${p} partitions: ${loads}`);
      assert.equal(loads.reduce((x, y) => x + y, 0), p);
    }
  });

  test('is sticky: a new member takes only its share, the others keep the rest', () => {
    const counts = new Map([[T1, 6]]);
    const first = assign('uniform', { members: [m('a', [T1]), m('b', [T1])], partitionCounts: counts });
    const next = assign('uniform', {
      members: [m('a', [T1], first.get('a')), m('b', [T1], first.get('b')), m('c', [T1])],
      partitionCounts: counts,
    });
    for (const id of ['a', 'b']) {
      const kept = flat(next.get(id)!).filter((ref) => flat(first.get(id)!).includes(ref));
      assert.equal(kept.length, 2, `${id} keeps two of its three`);
      assert.equal(count(next.get(id)!), 2);
    }
    assert.equal(count(next.get('c')!), 2);
  });

  test('a member leaving: only its partitions move', () => {
    const counts = new Map([[T1, 9]]);
    const first = assign('uniform', { members: [m('a', [T1]), m('b', [T1]), m('c', [T1])], partitionCounts: counts });
    const next = assign('uniform', { members: [m('a', [T1], first.get('a')), m('b', [T1], first.get('b'))], partitionCounts: counts });
    for (const id of ['a', 'b']) {
      for (const ref of flat(first.get(id)!)) assert.ok(flat(next.get(id)!).includes(ref), `${id} keeps ${ref}`);
    }
    assertComplete(next, [m('a', [T1]), m('b', [T1])], counts);
  });

  test('is deterministic: the same input in another order gives the same assignment', () => {
    const counts = new Map([
      [T1, 5],
      [T2, 3],
      [T3, 4],
    ]);
    const members = [m('x', [T1, T2]), m('y', [T2, T3]), m('z', [T1, T3]), m('w', [T1, T2, T3])];
    const r1 = assign('uniform', { members, partitionCounts: counts });
    const r2 = assign('uniform', { members: [...members].reverse(), partitionCounts: new Map([...counts].reverse()) });
    assert.deepEqual([...r1].map(([id, a]) => [id, flat(a)]).sort(), [...r2].map(([id, a]) => [id, flat(a)]).sort());
  });

  test('mixed subscriptions: complete, only subscribed topics, and no member could take one more from another', () => {
    const seed = testSeed();
    const rng = new Prng(seed);
    for (let round = 0; round < 50; round++) {
      const topics = [T1, T2, T3];
      const counts = new Map(topics.map((t) => [t, rng.int(1, 8)]));
      const members = Array.from({ length: rng.int(1, 5) }, (_, i) =>
        m(
          `m${i}`,
          topics.filter(() => rng.int(0, 9) < 6),
        ),
      );
      const r = assign('uniform', { members, partitionCounts: counts });
      assertComplete(r, members, counts);
      for (const from of members) {
        for (const to of members) {
          const movable = [...r.get(from.memberId)!.keys()].some((t) => to.topics.has(t));
          if (movable) assert.ok(count(r.get(from.memberId)!) - count(r.get(to.memberId)!) <= 1, `seed ${seed} round ${round}: ${from.memberId} -> ${to.memberId}`);
        }
      }
    }
  });
});

describe('range assignor', () => {
  test('contiguous ranges, the first members one more, co-partitioned topics line up', () => {
    const counts = new Map([
      [T1, 5],
      [T2, 5],
    ]);
    const r = assign('range', { members: [m('b', [T1, T2]), m('a', [T1, T2])], partitionCounts: counts });
    assert.deepEqual(flat(r.get('a')!), [`${T1}:0`, `${T1}:1`, `${T1}:2`, `${T2}:0`, `${T2}:1`, `${T2}:2`]);
    assert.deepEqual(flat(r.get('b')!), [`${T1}:3`, `${T1}:4`, `${T2}:3`, `${T2}:4`]);
  });

  test('a topic is split only among its subscribers', () => {
    const counts = new Map([
      [T1, 4],
      [T2, 2],
    ]);
    const members = [m('a', [T1]), m('b', [T1, T2]), m('c', [T2])];
    const r = assign('range', { members, partitionCounts: counts });
    assertComplete(r, members, counts);
    assert.deepEqual(flat(r.get('a')!), [`${T1}:0`, `${T1}:1`]);
    assert.deepEqual(flat(r.get('b')!), [`${T1}:2`, `${T1}:3`, `${T2}:0`]);
    assert.deepEqual(flat(r.get('c')!), [`${T2}:1`]);
  });
});
