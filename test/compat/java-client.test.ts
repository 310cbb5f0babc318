/**
 * Apache Kafka's own Java client (kafka-clients 3.9.1 and 4.4.0, each against its own fresh
 * embedded broker) against the embedded broker. The Java client
 * picks the highest version both sides support, so with the broker advertising Kafka 3.9.1's
 * maxima every request it sends is the newest, flexible one; the broker's per-version request
 * counts show which versions arrived.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHandlerTable } from '../../src/broker/handlers/index.js';
import { describeRun, startCompatBroker, uniqueName, type CompatBroker } from './helpers.js';
import { JAVA_CLIENT_VERSIONS, runJava as runJavaOf } from './java.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const PER_CODEC = 4;

interface Ack {
  key: string;
  partition: number;
  offset: number;
}
interface Consumed {
  key: string;
  value: string;
  partition: number;
  offset: number;
  timestamp: number;
}

function json<T>(what: string, r: Awaited<ReturnType<typeof runJavaOf>>): T {
  if (r.timedOut || r.code !== 0) throw new Error(describeRun(what, r));
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(describeRun(`${what} printed no JSON`, r));
  }
}

const keysOf = (prefix: string) => CODECS.flatMap((c) => Array.from({ length: PER_CODEC }, (_, i) => `${prefix}-${c}-${i}`)).sort();

for (const version of JAVA_CLIENT_VERSIONS) describe(`Apache Kafka Java client ${version}`, { timeout: 900_000 }, () => {
  const runJava = (args: string[], timeoutMs?: number) => runJavaOf(args, timeoutMs, version);
  let b: CompatBroker;
  const topic = uniqueName('java');
  const group = uniqueName('java-grp');
  const acked = new Map<string, Ack>();
  const consumed: Consumed[] = [];

  before(async () => {
    b = await startCompatBroker();
  });
  after(async () => {
    await b?.close();
  });

  it('produces idempotently with every codec', async () => {
    const out = json<{ acks: Ack[] }>('java produce', await runJava(['produce', b.address, topic, group, String(PER_CODEC), 'run1']));
    assert.deepEqual(out.acks.map((a) => a.key).sort(), keysOf('run1'));
    for (const a of out.acks) acked.set(a.key, a);
    // Offsets are dense per partition: every acknowledged offset is distinct and below the count.
    const perPartition = new Map<number, number[]>();
    for (const a of out.acks) perPartition.set(a.partition, [...(perPartition.get(a.partition) ?? []), a.offset]);
    for (const [, offsets] of perPartition) assert.deepEqual([...offsets].sort((x, y) => x - y), offsets.map((_, i) => i));
  });

  it('consumes exactly those records in a group and commits them', async () => {
    const out = json<{ records: Consumed[]; committed: Record<string, number> }>(
      'java consume',
      await runJava(['consume', b.address, topic, group, String(acked.size)]),
    );
    assert.deepEqual(out.records.map((r) => r.key).sort(), keysOf('run1'));
    for (const r of out.records) {
      assert.equal(r.value, `value of ${r.key}`);
      assert.deepEqual({ partition: r.partition, offset: r.offset }, { partition: acked.get(r.key)!.partition, offset: acked.get(r.key)!.offset });
    }
    const counts: Record<string, number> = { '0': 0, '1': 0, '2': 0 };
    for (const a of acked.values()) counts[String(a.partition)]++;
    assert.deepEqual(out.committed, counts);
    consumed.push(...out.records);
  });

  it('resumes from the commit: a second run reads only what was produced since', async () => {
    const more = json<{ acks: Ack[] }>('java produce 2', await runJava(['produce', b.address, topic, group, String(PER_CODEC), 'run2']));
    const out = json<{ records: Consumed[]; committed: Record<string, number> }>(
      'java consume 2',
      await runJava(['consume', b.address, topic, group, String(more.acks.length)]),
    );
    assert.deepEqual(out.records.map((r) => r.key).sort(), keysOf('run2'));
    const ends: Record<string, number> = { '0': 0, '1': 0, '2': 0 };
    for (const a of [...acked.values(), ...more.acks]) ends[String(a.partition)] = Math.max(ends[String(a.partition)], a.offset + 1);
    assert.deepEqual(out.committed, ends);
    consumed.push(...out.records);
  });

  it('AdminClient: topics (by name and by id), offsets incl. max timestamp, groups, delete', async () => {
    const out = json<{
      topics: string[];
      duplicateCreate: string;
      topicId: string;
      byIdName: string;
      partitions: number;
      ends: Record<string, number>;
      maxTimestampOffsets: Record<string, number>;
      groups: string[];
      groupState: string;
      committed: Record<string, number>;
      deletedGone: boolean;
    }>('java admin', await runJava(['admin', b.address, topic, group, '0']));
    assert.deepEqual(out.topics, [topic, `${topic}-admin`].sort());
    assert.equal(out.duplicateCreate, 'TopicExistsException');
    // The Java client prints topic ids base64url-encoded; the broker keeps them as UUID text.
    const stored = b.broker.logs.getTopic(topic)!.id;
    assert.equal(out.topicId, Buffer.from(stored.replace(/-/g, ''), 'hex').toString('base64url'));
    assert.equal(out.byIdName, topic);
    assert.equal(out.partitions, 3);
    const ends = Object.fromEntries([0, 1, 2].map((p) => [String(p), b.broker.logs.partition(topic, p)!.highWatermark]));
    assert.deepEqual(Object.fromEntries(Object.entries(out.ends).map(([p, o]) => [p, BigInt(o)])), ends);
    assert.deepEqual(out.committed, out.ends);
    // Max timestamp (ListOffsets -3): the first record with the partition's largest timestamp,
    // computed from what the consumer saw (records sit inside compressed batches too).
    const expectedMax: Record<string, number> = {};
    for (const p of ['0', '1', '2']) {
      const recs = consumed.filter((r) => String(r.partition) === p);
      const maxTs = Math.max(...recs.map((r) => r.timestamp));
      expectedMax[p] = Math.min(...recs.filter((r) => r.timestamp === maxTs).map((r) => r.offset));
    }
    assert.deepEqual(out.maxTimestampOffsets, expectedMax);
    assert.deepEqual(out.groups, [group]);
    assert.equal(out.groupState, 'Empty');
    assert.equal(out.deletedGone, true);
  });

  it('a group of three cooperative-sticky consumers shares the partitions and commits each poll (commitSync)', async () => {
    const t3 = `${topic}-g3`;
    const g3 = `${group}-g3`;
    json('java produce g3', await runJava(['produce', b.address, t3, g3, String(PER_CODEC), 'g3']));
    const out = json<{ members: { partitions: number[]; records: number }[]; distinct: number; settled: boolean; committed: Record<string, number> }>(
      'java group3',
      await runJava(['group3', b.address, t3, g3, String(PER_CODEC * CODECS.length)], 180_000),
    );
    assert.equal(out.settled, true);
    assert.equal(out.distinct, PER_CODEC * CODECS.length);
    // Each of the three members ends with one partition of its own.
    assert.deepEqual(out.members.map((m) => m.partitions.length), [1, 1, 1]);
    assert.deepEqual(out.members.flatMap((m) => m.partitions).sort(), [0, 1, 2]);
    const ends = Object.fromEntries([0, 1, 2].map((p) => [String(p), Number(b.broker.logs.partition(t3, p)!.highWatermark)]));
    assert.deepEqual(out.committed, ends);
  });

  it('seeks by time: offsetsForTimes finds the first record at or after a timestamp, and the consumer reads it', async () => {
    const stamps = consumed.map((r) => r.timestamp).sort((a, b) => a - b);
    const ts = stamps[Math.floor(stamps.length / 2)]!;
    const out = json<{ found: Record<string, { offset: number; timestamp: number; first: { offset: number; timestamp: number; key: string } | null } | null> }>(
      'java seektime',
      await runJava(['seektime', b.address, topic, group, '0', String(ts)]),
    );
    for (const p of ['0', '1', '2']) {
      const hits = consumed.filter((r) => String(r.partition) === p && r.timestamp >= ts).sort((a, b) => a.offset - b.offset);
      const want = hits[0];
      if (!want) {
        assert.equal(out.found[p], null, `partition ${p}`);
        continue;
      }
      assert.deepEqual(out.found[p], { offset: want.offset, timestamp: want.timestamp, first: { offset: want.offset, timestamp: want.timestamp, key: want.key } }, `partition ${p}`);
    }
  });

  it('AdminClient: create partitions, describe configs with sources, alter and delete group offsets, delete records, describe cluster', async () => {
    const out = json<{
      partitions: number;
      shrink: string;
      retention: string;
      retentionSource: string;
      cleanup: string;
      cleanupSource: string;
      altered: Record<string, number>;
      afterDelete: Record<string, number>;
      lowWatermark: number;
      earliest: number;
      nodes: number;
      controller: number;
      clusterId: string;
    }>('java admin2', await runJava(['admin2', b.address, topic, group, '0']));
    assert.equal(out.partitions, 4);
    assert.equal(out.shrink, 'InvalidPartitionsException');
    assert.deepEqual([out.retention, out.retentionSource], ['7200000', 'DYNAMIC_TOPIC_CONFIG']);
    assert.deepEqual([out.cleanup, out.cleanupSource], ['delete', 'DEFAULT_CONFIG']);
    assert.equal(out.altered['0'], 1);
    // deleteConsumerGroupOffsets (OffsetDelete) on the Empty group: partition 0's commit is gone, the others stay.
    assert.deepEqual(out.afterDelete, Object.fromEntries(Object.entries(out.altered).filter(([p]) => p !== '0')));
    assert.deepEqual([out.lowWatermark, out.earliest], [2, 2]);
    assert.equal(b.broker.logs.partition(topic, 0)!.logStartOffset, 2n);
    assert.equal(out.nodes, 1);
    assert.equal(out.controller, b.broker.config.nodeId);
    assert.ok(out.clusterId.length > 0);
  });

  /**
   * APIs whose newest version a client knows is below the broker's maximum, from the message specs
   * inside that client's jar (common/message/*.json): 3.9.1 knows ConsumerGroupDescribe and
   * ConsumerGroupHeartbeat only at v0, and its AdminClient describes groups with the former.
   */
  const CLIENT_MAX_BELOW_BROKER: Record<string, Record<string, number>> = {
    '3.9.1': { ConsumerGroupDescribe: 0, ConsumerGroupHeartbeat: 0 },
  };
  it('negotiated the highest version of every API it used, all flexible', () => {
    const table = createHandlerTable();
    const byName = new Map([...table.values()].map((h) => [h.name, h]));
    const seen = b.broker.requestsSeen();
    const used = new Set<string>();
    for (const key of Object.keys(seen)) {
      const [name, v] = key.split(' v');
      const h = byName.get(name)!;
      const highest = Math.min(h.maxVersion, CLIENT_MAX_BELOW_BROKER[version]?.[name] ?? h.maxVersion);
      assert.equal(Number(v), highest, `${key}: the Java client should pick v${highest}`);
      // OffsetDelete has no flexible version in Kafka's spec; every other API must arrive flexible.
      if (Number.isFinite(h.firstFlexibleVersion)) assert.ok(Number(v) >= h.firstFlexibleVersion, `${key} is not a flexible version`);
      used.add(name);
    }
    for (const name of ['ApiVersions', 'Metadata', 'Produce', 'InitProducerId', 'Fetch', 'ListOffsets', 'FindCoordinator', 'JoinGroup', 'SyncGroup', 'OffsetCommit', 'OffsetFetch', 'LeaveGroup', 'CreateTopics', 'DeleteTopics', 'DescribeGroups', 'ListGroups']) {
      assert.ok(used.has(name), `the Java client never sent ${name}: ${JSON.stringify(seen)}`);
    }
  });
});
