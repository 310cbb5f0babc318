import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Reader } from '../../../src/broker/protocol/reader.js';
import { Writer } from '../../../src/broker/protocol/writer.js';
import { ProtocolError } from '../../../src/broker/protocol/errors.js';
import { decodeFindCoordinatorRequest, encodeFindCoordinatorResponse } from '../../../src/broker/protocol/apis/find-coordinator.js';
import { decodeJoinGroupRequest, encodeJoinGroupResponse } from '../../../src/broker/protocol/apis/join-group.js';
import { decodeSyncGroupRequest, encodeSyncGroupResponse } from '../../../src/broker/protocol/apis/sync-group.js';
import { decodeHeartbeatRequest, encodeHeartbeatResponse } from '../../../src/broker/protocol/apis/heartbeat.js';
import { decodeLeaveGroupRequest, encodeLeaveGroupResponse } from '../../../src/broker/protocol/apis/leave-group.js';
import { decodeOffsetCommitRequest, encodeOffsetCommitResponse } from '../../../src/broker/protocol/apis/offset-commit.js';
import { decodeOffsetFetchRequest, encodeOffsetFetchResponse } from '../../../src/broker/protocol/apis/offset-fetch.js';
import { decodeDescribeGroupsRequest, encodeDescribeGroupsResponse } from '../../../src/broker/protocol/apis/describe-groups.js';
import { encodeListGroupsResponse } from '../../../src/broker/protocol/apis/list-groups.js';
import { decodeDeleteGroupsRequest, encodeDeleteGroupsResponse } from '../../../src/broker/protocol/apis/delete-groups.js';

const reader = (w: Writer) => new Reader(w.toBuffer());

/** Asserts the reader consumed the whole body: a field-order slip usually leaves bytes over or runs short. */
function done(r: Reader): void {
  assert.equal(r.remaining, 0, 'bytes left over after decoding');
}

describe('request decoding (hand-encoded)', () => {
  test('JoinGroup v0 has no rebalance timeout or instance id', () => {
    const w = new Writer()
      .string('grp')
      .int32(10_000)
      .string('')
      .string('consumer')
      .array(['range', 'roundrobin'], (w, n) => w.string(n).bytes(Buffer.from(`md-${n}`)));
    const r = reader(w);
    const req = decodeJoinGroupRequest(r, 0);
    done(r);
    assert.equal(req.groupId, 'grp');
    assert.equal(req.sessionTimeoutMs, 10_000);
    assert.equal(req.rebalanceTimeoutMs, -1);
    assert.equal(req.memberId, '');
    assert.equal(req.groupInstanceId, null);
    assert.equal(req.protocolType, 'consumer');
    assert.deepEqual(
      req.protocols.map((p) => [p.name, p.metadata.toString()]),
      [
        ['range', 'md-range'],
        ['roundrobin', 'md-roundrobin'],
      ],
    );
  });

  test('JoinGroup v5 carries the rebalance timeout and a nullable instance id before the protocol type', () => {
    const w = new Writer()
      .string('grp')
      .int32(30_000)
      .int32(60_000)
      .string('m-1')
      .nullableString('instance-a')
      .string('consumer')
      .array(['RoundRobinAssigner'], (w, n) => w.string(n).bytes(Buffer.from([1, 2, 3])));
    const r = reader(w);
    const req = decodeJoinGroupRequest(r, 5);
    done(r);
    assert.deepEqual(
      [req.sessionTimeoutMs, req.rebalanceTimeoutMs, req.memberId, req.groupInstanceId, req.protocolType],
      [30_000, 60_000, 'm-1', 'instance-a', 'consumer'],
    );
    assert.deepEqual([...req.protocols[0].metadata], [1, 2, 3]);
  });

  test('OffsetCommit v2 skips retention time; v7 has instance id and per-partition leader epoch', () => {
    const v2 = new Writer()
      .string('grp')
      .int32(4)
      .string('m-1')
      .int64(-1n) // retention
      .array(['t'], (w, name) =>
        w.string(name).array([0, 1], (w, p) => w.int32(p).int64(BigInt(100 + p)).nullableString(p === 0 ? 'meta' : null)),
      );
    const r2 = reader(v2);
    const req2 = decodeOffsetCommitRequest(r2, 2);
    done(r2);
    assert.deepEqual([req2.groupId, req2.generationId, req2.memberId, req2.groupInstanceId], ['grp', 4, 'm-1', null]);
    assert.deepEqual(req2.topics, [
      {
        name: 't',
        partitions: [
          { index: 0, offset: 100n, leaderEpoch: -1, metadata: 'meta' },
          { index: 1, offset: 101n, leaderEpoch: -1, metadata: null },
        ],
      },
    ]);

    const v7 = new Writer()
      .string('grp')
      .int32(-1)
      .string('')
      .nullableString('inst')
      .array(['t'], (w, name) => w.string(name).array([3], (w, p) => w.int32(p).int64(9_007_199_254_740_993n).int32(12).nullableString('')));
    const r7 = reader(v7);
    const req7 = decodeOffsetCommitRequest(r7, 7);
    done(r7);
    assert.equal(req7.groupInstanceId, 'inst');
    assert.deepEqual(req7.topics[0].partitions[0], { index: 3, offset: 9_007_199_254_740_993n, leaderEpoch: 12, metadata: '' });
  });

  test('OffsetFetch v1 needs a topic list; v2+ accepts null for "all partitions"', () => {
    const v1 = new Writer().string('grp').array(['t'], (w, n) => w.string(n).array([0, 2], (w, p) => w.int32(p)));
    const r1 = reader(v1);
    assert.deepEqual(decodeOffsetFetchRequest(r1, 1), { groups: [{ groupId: 'grp', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitions: [0, 2] }] }] });
    done(r1);

    const v5 = new Writer().string('grp').int32(-1);
    const r5 = reader(v5);
    assert.deepEqual(decodeOffsetFetchRequest(r5, 5), { groups: [{ groupId: 'grp', memberId: null, memberEpoch: -1, topics: null }] });
    done(r5);
    assert.throws(() => decodeOffsetFetchRequest(reader(new Writer().string('grp').int32(-1)), 1), ProtocolError);
  });

  test('LeaveGroup v1 names one member; v3 a batch with instance ids', () => {
    const r1 = reader(new Writer().string('grp').string('m-1'));
    assert.deepEqual(decodeLeaveGroupRequest(r1, 1), { groupId: 'grp', members: [{ memberId: 'm-1', groupInstanceId: null }] });
    done(r1);
    const r3 = reader(
      new Writer().string('grp').array(
        [
          ['m-1', null],
          ['', 'inst'],
        ] as const,
        (w, [m, i]) => w.string(m).nullableString(i),
      ),
    );
    assert.deepEqual(decodeLeaveGroupRequest(r3, 3).members, [
      { memberId: 'm-1', groupInstanceId: null },
      { memberId: '', groupInstanceId: 'inst' },
    ]);
    done(r3);
  });

  test('FindCoordinator v0 is only the key; v1+ adds key type', () => {
    const r0 = reader(new Writer().string('grp'));
    assert.deepEqual(decodeFindCoordinatorRequest(r0, 0), { keys: ['grp'], keyType: 0 });
    done(r0);
    const r2 = reader(new Writer().string('txn').int8(1));
    assert.deepEqual(decodeFindCoordinatorRequest(r2, 2), { keys: ['txn'], keyType: 1 });
    done(r2);
  });

  test('SyncGroup, Heartbeat, DescribeGroups and DeleteGroups', () => {
    const rs = reader(
      new Writer()
        .string('grp')
        .int32(3)
        .string('m-1')
        .nullableString(null)
        .array(['m-1', 'm-2'], (w, m) => w.string(m).bytes(Buffer.from(`a-${m}`))),
    );
    const sync = decodeSyncGroupRequest(rs, 3);
    done(rs);
    assert.deepEqual(
      [sync.groupId, sync.generationId, sync.memberId, sync.groupInstanceId, sync.assignments.map((a) => a.assignment.toString())],
      ['grp', 3, 'm-1', null, ['a-m-1', 'a-m-2']],
    );
    const rh = reader(new Writer().string('grp').int32(3).string('m-1'));
    assert.deepEqual(decodeHeartbeatRequest(rh, 1), { groupId: 'grp', generationId: 3, memberId: 'm-1', groupInstanceId: null });
    done(rh);
    const rd = reader(new Writer().array(['a', 'b'], (w, g) => w.string(g)));
    assert.deepEqual(decodeDescribeGroupsRequest(rd, 0), { groups: ['a', 'b'] });
    const rdel = reader(new Writer().array(['a'], (w, g) => w.string(g)));
    assert.deepEqual(decodeDeleteGroupsRequest(rdel, 1), { groups: ['a'] });
  });

  test('a truncated request is a ProtocolError, not garbage', () => {
    const full = new Writer().string('grp').int32(1).int32(2).string('m').string('consumer').int32(1).string('x').bytes(Buffer.alloc(4)).toBuffer();
    assert.throws(() => decodeJoinGroupRequest(new Reader(full.subarray(0, full.length - 2)), 1), ProtocolError);
  });
});

describe('response encoding (hand-decoded)', () => {
  test('JoinGroup v0 starts with the error; v2+ with throttle; v5 members carry instance ids', () => {
    const res = {
      errorCode: 0,
      generationId: 7,
      protocolName: 'range',
      protocolType: 'consumer',
      leader: 'm-1',
      memberId: 'm-1',
      members: [{ memberId: 'm-1', groupInstanceId: 'i', metadata: Buffer.from('md') }],
    };
    const r0 = reader(encodeJoinGroupResponse(0, res));
    assert.deepEqual([r0.int16(), r0.int32(), r0.string(), r0.string(), r0.string(), r0.int32(), r0.string()], [0, 7, 'range', 'm-1', 'm-1', 1, 'm-1']);
    assert.equal(r0.bytes().toString(), 'md');
    done(r0);

    const r5 = reader(encodeJoinGroupResponse(5, res));
    assert.deepEqual([r5.int32(), r5.int16(), r5.int32(), r5.string(), r5.string(), r5.string()], [0, 0, 7, 'range', 'm-1', 'm-1']);
    assert.equal(r5.int32(), 1);
    assert.deepEqual([r5.string(), r5.nullableString(), r5.bytes().toString()], ['m-1', 'i', 'md']);
    done(r5);
  });

  test('OffsetFetch v1 has no top-level error; v2 appends it; v3 adds throttle; v5 a leader epoch per partition', () => {
    const res = [{ groupId: 'g', errorCode: 0, topics: [{ name: 't', partitions: [{ index: 0, offset: -1n, metadata: '', errorCode: 0 }] }] }];
    const partition = (r: Reader, epoch: boolean) => {
      assert.equal(r.int32(), 0);
      assert.equal(r.int64(), -1n);
      if (epoch) assert.equal(r.int32(), -1);
      assert.equal(r.nullableString(), '');
      assert.equal(r.int16(), 0);
    };
    const r1 = reader(encodeOffsetFetchResponse(1, res));
    assert.deepEqual([r1.int32(), r1.string(), r1.int32()], [1, 't', 1]);
    partition(r1, false);
    done(r1);

    const r2 = reader(encodeOffsetFetchResponse(2, res));
    assert.deepEqual([r2.int32(), r2.string(), r2.int32()], [1, 't', 1]);
    partition(r2, false);
    assert.equal(r2.int16(), 0);
    done(r2);

    const r5 = reader(encodeOffsetFetchResponse(5, res));
    assert.deepEqual([r5.int32(), r5.int32(), r5.string(), r5.int32()], [0, 1, 't', 1]);
    partition(r5, true);
    assert.equal(r5.int16(), 0);
    done(r5);
  });

  test('OffsetCommit throttle from v3; DeleteGroups throttle from v0; FindCoordinator v0 vs v1', () => {
    const commit = { topics: [{ name: 't', partitions: [{ index: 1, errorCode: 22 }] }] };
    const c2 = reader(encodeOffsetCommitResponse(2, commit));
    assert.deepEqual([c2.int32(), c2.string(), c2.int32(), c2.int32(), c2.int16()], [1, 't', 1, 1, 22]);
    done(c2);
    const c3 = reader(encodeOffsetCommitResponse(3, commit));
    assert.equal(c3.int32(), 0);
    assert.deepEqual([c3.int32(), c3.string()], [1, 't']);

    const d0 = reader(encodeDeleteGroupsResponse(0, [{ groupId: 'g', errorCode: 69 }]));
    assert.deepEqual([d0.int32(), d0.int32(), d0.string(), d0.int16()], [0, 1, 'g', 69]);
    done(d0);

    const fc = [{ key: 'g', errorCode: 0, errorMessage: null, nodeId: 1, host: 'localhost', port: 9092 }];
    const f0 = reader(encodeFindCoordinatorResponse(0, fc));
    assert.deepEqual([f0.int16(), f0.int32(), f0.string(), f0.int32()], [0, 1, 'localhost', 9092]);
    done(f0);
    const f1 = reader(encodeFindCoordinatorResponse(1, fc));
    assert.deepEqual([f1.int32(), f1.int16(), f1.nullableString(), f1.int32(), f1.string(), f1.int32()], [0, 0, null, 1, 'localhost', 9092]);
    done(f1);
  });

  test('LeaveGroup: v0 is only the error, v3 lists members', () => {
    const res = { errorCode: 0, members: [{ memberId: 'm', groupInstanceId: null, errorCode: 25 }] };
    const r0 = reader(encodeLeaveGroupResponse(0, res));
    assert.equal(r0.int16(), 0);
    done(r0);
    const r3 = reader(encodeLeaveGroupResponse(3, res));
    assert.deepEqual([r3.int32(), r3.int16(), r3.int32(), r3.string(), r3.nullableString(), r3.int16()], [0, 0, 1, 'm', null, 25]);
    done(r3);
  });
});

// kafkajs 2.2.4 has its own encoders and decoders for these messages: an independent reading of
// the same specs, and the exact bytes a real client sends and expects.
const require = createRequire(import.meta.url);
type KjsRequest = { encode(): Promise<{ buffer: Buffer }> };
const kjsRequest = (path: string) => require(`kafkajs/src/protocol/requests/${path}/request.js`) as (args: object) => KjsRequest;
const kjsDecode = (path: string) =>
  (require(`kafkajs/src/protocol/requests/${path}/response.js`) as { decode(b: Buffer): Promise<any> }).decode;
const kjsBytes = async (path: string, args: object) => new Reader((await kjsRequest(path)(args).encode()).buffer);

describe('interop with kafkajs 2.2.4 protocol codecs', () => {
  test('decodes the JoinGroup v5, SyncGroup v3 and LeaveGroup v3 kafkajs sends', async () => {
    const rj = await kjsBytes('joinGroup/v5', {
      groupId: 'grp',
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      memberId: 'm-1',
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: Buffer.from('sub') }],
    });
    const join = decodeJoinGroupRequest(rj, 5);
    done(rj);
    assert.deepEqual(
      [join.groupId, join.sessionTimeoutMs, join.rebalanceTimeoutMs, join.memberId, join.groupInstanceId, join.protocolType],
      ['grp', 30_000, 60_000, 'm-1', null, 'consumer'],
    );
    assert.equal(join.protocols[0].metadata.toString(), 'sub');

    const rs = await kjsBytes('syncGroup/v3', {
      groupId: 'grp',
      generationId: 2,
      memberId: 'm-1',
      groupAssignment: [{ memberId: 'm-2', memberAssignment: Buffer.from('as') }],
    });
    const sync = decodeSyncGroupRequest(rs, 3);
    done(rs);
    assert.deepEqual([sync.generationId, sync.assignments[0].memberId, sync.assignments[0].assignment.toString()], [2, 'm-2', 'as']);

    const rl = await kjsBytes('leaveGroup/v3', { groupId: 'grp', members: [{ memberId: 'm-1' }] });
    assert.deepEqual(decodeLeaveGroupRequest(rl, 3).members, [{ memberId: 'm-1', groupInstanceId: null }]);
    done(rl);
  });

  test('decodes kafkajs OffsetCommit v5 and OffsetFetch v4 (null topics)', async () => {
    const rc = await kjsBytes('offsetCommit/v5', {
      groupId: 'grp',
      groupGenerationId: 3,
      memberId: 'm-1',
      topics: [{ topic: 't', partitions: [{ partition: 2, offset: '12345678901' }] }],
    });
    const commit = decodeOffsetCommitRequest(rc, 5);
    done(rc);
    assert.deepEqual(commit.topics, [{ name: 't', partitions: [{ index: 2, offset: 12_345_678_901n, leaderEpoch: -1, metadata: null }] }]);

    const rf = await kjsBytes('offsetFetch/v4', { groupId: 'grp', topics: [] });
    // kafkajs encodes an empty topic list as null, meaning "everything committed".
    assert.deepEqual(decodeOffsetFetchRequest(rf, 4), { groups: [{ groupId: 'grp', memberId: null, memberEpoch: -1, topics: null }] });
    done(rf);
  });

  test('kafkajs decodes our JoinGroup v5 (incl. MEMBER_ID_REQUIRED), SyncGroup v3 and Heartbeat v3', async () => {
    const join = await kjsDecode('joinGroup/v5')(
      encodeJoinGroupResponse(5, {
        errorCode: 0,
        generationId: 4,
        protocolName: 'RoundRobinAssigner',
        protocolType: 'consumer',
        leader: 'm-1',
        memberId: 'm-2',
        members: [],
      }).toBuffer(),
    );
    assert.deepEqual(
      [join.errorCode, join.generationId, join.groupProtocol, join.leaderId, join.memberId, join.members],
      [0, 4, 'RoundRobinAssigner', 'm-1', 'm-2', []],
    );
    const needId = await kjsDecode('joinGroup/v5')(
      encodeJoinGroupResponse(5, { errorCode: 79, generationId: -1, protocolName: '', protocolType: null, leader: '', memberId: 'app-123', members: [] }).toBuffer(),
    );
    assert.deepEqual([needId.errorCode, needId.memberId], [79, 'app-123']);

    const sync = await kjsDecode('syncGroup/v3')(encodeSyncGroupResponse(3, { errorCode: 0, protocolType: null, protocolName: null, assignment: Buffer.from('xyz') }).toBuffer());
    assert.deepEqual([sync.errorCode, sync.memberAssignment.toString()], [0, 'xyz']);
    const hb = await kjsDecode('heartbeat/v3')(encodeHeartbeatResponse(3, 27).toBuffer());
    assert.equal(hb.errorCode, 27);
  });

  test('kafkajs decodes our OffsetFetch v4, OffsetCommit v5, FindCoordinator v2, DescribeGroups v2, ListGroups v2, DeleteGroups v1', async () => {
    const fetched = await kjsDecode('offsetFetch/v4')(
      encodeOffsetFetchResponse(4, [
        {
          groupId: 'g',
          errorCode: 0,
          topics: [{ name: 't', partitions: [{ index: 0, offset: 42n, metadata: 'm', errorCode: 0 }] }],
        },
      ]).toBuffer(),
    );
    assert.deepEqual(fetched.responses, [{ topic: 't', partitions: [{ partition: 0, offset: '42', metadata: 'm', errorCode: 0 }] }]);
    assert.equal(fetched.errorCode, 0);

    const committed = await kjsDecode('offsetCommit/v5')(
      encodeOffsetCommitResponse(5, { topics: [{ name: 't', partitions: [{ index: 0, errorCode: 0 }] }] }).toBuffer(),
    );
    assert.deepEqual(committed.responses, [{ topic: 't', partitions: [{ partition: 0, errorCode: 0 }] }]);

    const coord = await kjsDecode('findCoordinator/v2')(
      encodeFindCoordinatorResponse(2, [{ key: 'g', errorCode: 0, errorMessage: null, nodeId: 1, host: '127.0.0.1', port: 40000 }]).toBuffer(),
    );
    assert.deepEqual(coord.coordinator, { nodeId: 1, host: '127.0.0.1', port: 40000 });

    const described = await kjsDecode('describeGroups/v2')(
      encodeDescribeGroupsResponse(2, [
        {
          errorCode: 0,
          groupId: 'g',
          state: 'Stable',
          protocolType: 'consumer',
          protocol: 'RoundRobinAssigner',
          members: [{ memberId: 'm', groupInstanceId: null, clientId: 'c', clientHost: 'h', metadata: Buffer.from('md'), assignment: Buffer.from('as') }],
        },
      ]).toBuffer(),
    );
    const g = described.groups[0];
    assert.deepEqual([g.groupId, g.state, g.protocolType, g.protocol], ['g', 'Stable', 'consumer', 'RoundRobinAssigner']);
    assert.deepEqual([g.members[0].memberId, g.members[0].memberAssignment.toString()], ['m', 'as']);

    const listed = await kjsDecode('listGroups/v2')(
      encodeListGroupsResponse(2, { errorCode: 0, groups: [{ groupId: 'g', protocolType: 'consumer', state: 'Stable', type: 'classic' }] }).toBuffer(),
    );
    assert.deepEqual(listed.groups, [{ groupId: 'g', protocolType: 'consumer' }]);

    const deleted = await kjsDecode('deleteGroups/v1')(encodeDeleteGroupsResponse(1, [{ groupId: 'g', errorCode: 68 }]).toBuffer());
    assert.deepEqual(
      deleted.results.map((r: { groupId: string; errorCode: number }) => [r.groupId, r.errorCode]),
      [['g', 68]],
    );
  });
});
