/**
 * ConsumerGroupCoordinator without a socket: what the raw-protocol test cannot reach cheaply.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerGroupCoordinator, type ConsumerHeartbeatInput, type TopicCatalog } from '../../../src/broker/groups/consumer-coordinator.js';
import { silent } from './helpers.js';

const topics: TopicCatalog = {
  listTopics: () => [{ name: 't', id: '00000000-0000-4000-8000-00000000000a', partitions: 2 }],
  getTopic: (name) => (name === 't' ? { name: 't', id: '00000000-0000-4000-8000-00000000000a', partitions: 2 } : undefined),
  getTopicById: () => undefined,
};

function coordinator(): ConsumerGroupCoordinator {
  return new ConsumerGroupCoordinator({
    sessionTimeoutMs: 60_000,
    heartbeatIntervalMs: 1000,
    logger: silent,
    topics,
    classic: { state: () => 'none', drop: () => {} },
  });
}

const hb = (groupId: string, memberId: string, memberEpoch: number): ConsumerHeartbeatInput => ({
  version: 1,
  groupId,
  memberId,
  memberEpoch,
  instanceId: null,
  rackId: null,
  rebalanceTimeoutMs: memberEpoch === 0 ? 10_000 : -1,
  subscribedTopicNames: memberEpoch === 0 ? ['t'] : null,
  subscribedTopicRegex: null,
  serverAssignor: null,
  topicPartitions: memberEpoch === 0 ? [] : null,
  clientId: 'c',
  clientHost: 'h',
});

test('an empty consumer group without offsets is forgotten after the retention; one with offsets stays', () => {
  const c = coordinator();
  try {
    for (const g of ['no-offsets', 'with-offsets', 'busy']) assert.equal(c.heartbeat(hb(g, 'm', 0)).errorCode, 0);
    for (const g of ['no-offsets', 'with-offsets']) assert.equal(c.heartbeat(hb(g, 'm', -1)).errorCode, 0);
    const since = c.get('no-offsets')!.emptySince!;
    assert.ok(since > 0);
    c.sweep(since + 999, 1000, () => false);
    assert.ok(c.get('no-offsets'), 'kept until the retention has passed');
    c.sweep(since + 5000, 1000, (id) => id === 'with-offsets');
    assert.equal(c.get('no-offsets'), undefined);
    assert.ok(c.get('with-offsets'), 'offsets keep an empty group');
    assert.ok(c.get('busy'), 'a group with members is never swept');
    // A group that is joined again is no longer empty.
    assert.equal(c.heartbeat(hb('with-offsets', 'm2', 0)).errorCode, 0);
    assert.equal(c.get('with-offsets')!.emptySince, null);
  } finally {
    c.close();
  }
});

test('a heartbeat repeating the previous epoch is answered if it owns no more than its assignment, else fenced', () => {
  const c = coordinator();
  const T = '00000000-0000-4000-8000-00000000000a';
  const beat = (memberId: string, memberEpoch: number, owned: number[]) =>
    c.heartbeat({ ...hb('lost', memberId, memberEpoch), topicPartitions: [{ topicId: T, partitions: owned }] });
  try {
    const a = c.heartbeat(hb('lost', 'a', 0));
    assert.deepEqual([a.memberEpoch, a.assignment], [2, [{ topicId: T, partitions: [0, 1] }]]);
    assert.equal(c.heartbeat(hb('lost', 'b', 0)).memberEpoch, 3);
    const told = beat('a', 2, [0, 1]);
    assert.equal(told.memberEpoch, 2, 'still revoking');
    const kept = told.assignment![0].partitions;
    const moved = beat('a', 2, kept);
    assert.equal(moved.memberEpoch, 3);
    // Suppose that answer was lost: the member repeats epoch 2 with what it holds.
    const again = beat('a', 2, kept);
    assert.deepEqual([again.errorCode, again.memberEpoch], [0, 3]);
    // Claiming the revoked partition again at the old epoch is fenced.
    const claim = beat('a', 2, [0, 1]);
    assert.equal(claim.errorCode, 110);
    assert.match(claim.errorMessage!, /smaller member epoch \(2\) than the one known by the group coordinator \(3\)/);
  } finally {
    c.close();
  }
});
