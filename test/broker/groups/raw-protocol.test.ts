/**
 * The group APIs over a real socket at the old versions kafka-python 2.0.2 hard-codes (JoinGroup v2,
 * SyncGroup/Heartbeat/LeaveGroup v1, OffsetCommit v2, OffsetFetch v1, FindCoordinator v0) and at
 * v0, which no target client sends but the broker advertises. Requests are built from the Kafka
 * message specs with the raw client, not with the broker's own decoders.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writer } from '../../../src/broker/protocol/writer.js';
import type { Reader } from '../../../src/broker/protocol/reader.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { metadataRequest, RawConnection, requestFrame } from '../../helpers/raw-client.js';

const API = { OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10, JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14, DescribeGroups: 15, ListGroups: 16, DeleteGroups: 42 };

let correlation = 100;

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}
async function call(c: RawConnection, apiKey: number, apiVersion: number, body: Writer, clientId = 'raw-py'): Promise<Reader> {
  const correlationId = ++correlation;
  c.write(requestFrame({ apiKey, apiVersion, correlationId, clientId }, body.toBuffer()));
  const res = await c.nextResponse(15_000);
  assert.equal(res.correlationId, correlationId);
  return res.body;
}

function joinBody(version: number, groupId: string, memberId: string, sessionTimeoutMs: number): Writer {
  const w = new Writer().string(groupId).int32(sessionTimeoutMs);
  if (version >= 1) w.int32(10_000);
  w.string(memberId);
  if (version >= 5) w.nullableString(null);
  return w.string('consumer').array(['range'], (w, n) => w.string(n).bytes(Buffer.from('subscription')));
}

function readJoin(r: Reader, version: number) {
  if (version >= 2) r.int32();
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocol = r.string();
  const leader = r.string();
  const memberId = r.string();
  const members = r.array((r) => {
    const id = r.string();
    if (version >= 5) r.nullableString();
    return { memberId: id, metadata: r.bytes().toString() };
  });
  assert.equal(r.remaining, 0);
  return { errorCode, generationId, protocol, leader, memberId, members };
}

describe('group APIs over the wire (old versions)', () => {
  let tb: TestBroker;
  let conn: RawConnection;
  before(async () => {
    tb = await startTestBroker({ minSessionTimeoutMs: 100, initialRebalanceDelayMs: 0 });
    conn = await RawConnection.connect(tb.port);
    conn.write(metadataRequest(4, 1, ['wire-t'])); // auto-creates the topic
    await conn.nextResponse();
  });
  after(async () => {
    conn.destroy();
    await tb.cleanup();
  });

  it('FindCoordinator v0 and v1 name this broker; a transaction coordinator lookup is refused for good', async () => {
    const r0 = await call(conn, API.FindCoordinator, 0, new Writer().string('py-group'));
    assert.deepEqual([r0.int16(), r0.int32(), r0.string(), r0.int32()], [0, tb.broker.config.nodeId, '127.0.0.1', tb.port]);
    assert.equal(r0.remaining, 0);
    const r1 = await call(conn, API.FindCoordinator, 1, new Writer().string('txn').int8(1));
    // TRANSACTIONAL_ID_AUTHORIZATION_FAILED: not retriable, so clients stop at once (docs/compatibility.md).
    assert.deepEqual([r1.int32(), r1.int16(), r1.nullableString()], [0, 53, 'transactions are not supported by this broker']);
  });

  it('runs the kafka-python 2.0.2 sequence: join v2, sync v1, heartbeat v1, commit v2, fetch v1, leave v1', async () => {
    const join = readJoin(await call(conn, API.JoinGroup, 2, joinBody(2, 'py-group', '', 10_000)), 2);
    assert.equal(join.errorCode, 0, 'no MEMBER_ID_REQUIRED before v4');
    assert.match(join.memberId, /^raw-py-/);
    assert.equal(join.generationId, 1);
    assert.equal(join.leader, join.memberId);
    assert.deepEqual(join.members, [{ memberId: join.memberId, metadata: 'subscription' }]);

    const sync = await call(
      conn,
      API.SyncGroup,
      1,
      new Writer()
        .string('py-group')
        .int32(join.generationId)
        .string(join.memberId)
        .array([join.memberId], (w, m) => w.string(m).bytes(Buffer.from('all-yours'))),
    );
    assert.deepEqual([sync.int32(), sync.int16(), sync.bytes().toString()], [0, 0, 'all-yours']);

    const hb = await call(conn, API.Heartbeat, 1, new Writer().string('py-group').int32(join.generationId).string(join.memberId));
    assert.deepEqual([hb.int32(), hb.int16()], [0, 0]);
    const stale = await call(conn, API.Heartbeat, 1, new Writer().string('py-group').int32(join.generationId + 5).string(join.memberId));
    assert.deepEqual([stale.int32(), stale.int16()], [0, 22]);

    const commit = await call(
      conn,
      API.OffsetCommit,
      2,
      new Writer()
        .string('py-group')
        .int32(join.generationId)
        .string(join.memberId)
        .int64(-1n)
        .array(
          [
            ['wire-t', 1],
            ['no-such-topic', 0],
          ] as const,
          (w, [t, p]) => w.string(t).array([p], (w, p) => w.int32(p).int64(17n).nullableString('note')),
        ),
    );
    const commitTopics = commit.array((r) => [r.string(), r.array((r) => [r.int32(), r.int16()])]);
    assert.deepEqual(commitTopics, [
      ['wire-t', [[1, 0]]],
      ['no-such-topic', [[0, 3]]],
    ]);

    const fetched = await call(
      conn,
      API.OffsetFetch,
      1,
      new Writer().string('py-group').array(['wire-t'], (w, t) => w.string(t).array([0, 1], (w, p) => w.int32(p))),
    );
    const fetchedTopics = fetched.array((r) => [r.string(), r.array((r) => [r.int32(), r.int64(), r.nullableString(), r.int16()])]);
    assert.equal(fetched.remaining, 0, 'v1 has no top-level error');
    assert.deepEqual(fetchedTopics, [
      [
        'wire-t',
        [
          [0, -1n, '', 0],
          [1, 17n, 'note', 0],
        ],
      ],
    ]);

    const leave = await call(conn, API.LeaveGroup, 1, new Writer().string('py-group').string(join.memberId));
    assert.deepEqual([leave.int32(), leave.int16()], [0, 0]);
    const again = await call(conn, API.LeaveGroup, 1, new Writer().string('py-group').string(join.memberId));
    assert.deepEqual([again.int32(), again.int16()], [0, 25]);

    const described = await call(conn, API.DescribeGroups, 0, new Writer().array(['py-group'], (w, g) => w.string(g)));
    const groups = described.array((r) => ({
      errorCode: r.int16(),
      groupId: r.string(),
      state: r.string(),
      protocolType: r.string(),
      protocol: r.string(),
      members: r.array((r) => [r.string(), r.string(), r.string(), r.bytes(), r.bytes()]),
    }));
    assert.deepEqual(groups, [{ errorCode: 0, groupId: 'py-group', state: 'Empty', protocolType: 'consumer', protocol: '', members: [] }]);

    const listed = await call(conn, API.ListGroups, 0, new Writer());
    assert.equal(listed.int16(), 0);
    assert.ok(listed.array((r) => [r.string(), r.string()]).some(([g, t]) => g === 'py-group' && t === 'consumer'));

    const deleted = await call(conn, API.DeleteGroups, 1, new Writer().array(['py-group', 'never-was'], (w, g) => w.string(g)));
    assert.equal(deleted.int32(), 0);
    assert.deepEqual(deleted.array((r) => [r.string(), r.int16()]), [
      ['py-group', 0],
      ['never-was', 69],
    ]);

    const all = await call(conn, API.OffsetFetch, 5, new Writer().string('py-group').int32(-1));
    assert.deepEqual([all.int32(), all.int32(), all.int16()], [0, 0, 0], 'no offsets left after delete');
  });

  it('holds a JoinGroup v0 response until the second member has joined, over separate connections', async () => {
    const other = await RawConnection.connect(tb.port);
    try {
      const first = readJoin(await call(conn, API.JoinGroup, 0, joinBody(0, 'v0-group', '', 5_000)), 0);
      assert.equal(first.generationId, 1);
      await call(conn, API.SyncGroup, 0, new Writer().string('v0-group').int32(1).string(first.memberId).array([], () => {}));

      // A second member: the group must rebalance, and its JoinGroup waits until the first rejoins.
      const secondId = ++correlation;
      other.write(requestFrame({ apiKey: API.JoinGroup, apiVersion: 0, correlationId: secondId, clientId: 'second' }, joinBody(0, 'v0-group', '', 5_000).toBuffer()));
      // The first member learns of the rebalance from its heartbeat (REBALANCE_IN_PROGRESS, 27):
      // the positive sign that the broker has taken the second JoinGroup in. It arrives on
      // another connection, so until then the heartbeat may still say 0.
      const deadline = Date.now() + 15_000;
      let hbError = 0;
      while (hbError !== 27 && Date.now() < deadline) {
        hbError = (await call(conn, API.Heartbeat, 0, new Writer().string('v0-group').int32(1).string(first.memberId))).int16();
        if (hbError !== 27) {
          assert.equal(hbError, 0, 'a heartbeat before the second join arrived');
          await sleep(20);
        }
      }
      assert.equal(hbError, 27);
      assert.equal(other.takeFrames().length, 0, 'second JoinGroup answered before the rebalance completed');
      const rejoin = readJoin(await call(conn, API.JoinGroup, 0, joinBody(0, 'v0-group', first.memberId, 5_000)), 0);
      const second = await other.nextResponse();
      assert.equal(second.correlationId, secondId);
      const secondJoin = readJoin(second.body, 0);
      assert.equal(rejoin.generationId, 2);
      assert.equal(secondJoin.generationId, 2);
      assert.equal(rejoin.leader, first.memberId);
      assert.equal(rejoin.members.length, 2);
      assert.equal(secondJoin.members.length, 0);
    } finally {
      other.destroy();
    }
  });

  it('a closed connection is not a LeaveGroup: the member stays until its session times out', async () => {
    const gone = await RawConnection.connect(tb.port);
    const c1 = ++correlation;
    gone.write(requestFrame({ apiKey: API.JoinGroup, apiVersion: 4, correlationId: c1, clientId: 'leaver' }, joinBody(4, 'close-group', '', 300).toBuffer()));
    const needId = readJoin((await gone.nextResponse()).body, 4);
    assert.equal(needId.errorCode, 79);
    const c2 = ++correlation;
    const joinSentAt = Date.now();
    gone.write(requestFrame({ apiKey: API.JoinGroup, apiVersion: 4, correlationId: c2, clientId: 'leaver' }, joinBody(4, 'close-group', needId.memberId, 300).toBuffer()));
    const joined = readJoin((await gone.nextResponse()).body, 4);
    assert.equal(joined.errorCode, 0);
    gone.destroy();
    await gone.closed;

    // (Checked right after the close, well inside the 300 ms session.)
    assert.deepEqual(tb.broker.groups.describeGroup('close-group').members.map((m) => m.memberId), [joined.memberId]);
    await waitUntil(() => tb.broker.groups.describeGroup('close-group').members.length === 0, 15_000);
    // The session clock started no earlier than the join was sent, and timers do not fire early:
    // gone sooner would mean the close itself removed the member.
    const elapsed = Date.now() - joinSentAt;
    assert.ok(elapsed >= 295, `removed ${elapsed} ms after joining, before its 300 ms session ran out`);
  });
});
