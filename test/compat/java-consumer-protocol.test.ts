/**
 * The Java client 4.4.0 with group.protocol=consumer (KIP-848: ConsumerGroupHeartbeat and
 * ConsumerGroupDescribe instead of JoinGroup/SyncGroup) against a fresh embedded broker:
 * CompatClient's `cgroup` mode runs three consumers of one group on their own threads, the
 * AdminClient and kafka-consumer-groups (the 4.4.0 tools class) while the group is live, then
 * closes one consumer and reads a second batch with the other two.
 *
 * TEST_KAFKA=apache runs the same assertions against Apache Kafka 4.4.0 (the reference they were
 * validated on), so nothing here depends on the embedded broker's internals.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureKafkaJars } from '../../scripts/lib/apache-kafka.js';
import { apacheKafkaBootstrap, onApacheKafka } from '../helpers/suite-kafka.js';
import { describeRun, startCompatBroker, uniqueName, type CompatBroker } from './helpers.js';
import { runJava } from './java.js';

const VERSION = '4.4.0';
const PARTITIONS = 6;
const RECORDS = 60;

interface Described {
  type: string;
  state: string;
  assignor: string;
  members: { clientId: string; consumerId: string; assignment: string[]; target: string[] | null }[];
}

interface Result {
  settled: boolean;
  held: string[][];
  firstReads: number;
  firstDistinct: number;
  stable: boolean;
  described: Described;
  listedType: string;
  toolDescribe: string;
  toolMembers: string;
  committedFirst: Record<string, number>;
  handedOver: boolean;
  secondRead: boolean;
  reads: number;
  distinct: number;
  duplicates: number;
  ends: Record<string, number>;
  committed: Record<string, number>;
  committedAll: boolean;
  twoStable: boolean;
  after: Described;
}

const allPartitions = (topic: string) => Array.from({ length: PARTITIONS }, (_, i) => `${topic}-${i}`).sort();

/** The rows of a kafka-consumer-groups table whose first column is the group (header excluded). */
function rows(out: string, group: string): string[][] {
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter((cols) => cols[0] === group);
}

describe(`Apache Kafka Java client ${VERSION}, group.protocol=consumer`, { timeout: 600_000 }, () => {
  let b: CompatBroker | undefined;
  let address: string;
  const topic = uniqueName('java-cg');
  const group = uniqueName('java-cg-grp');
  let out: Result;

  before(async () => {
    if (onApacheKafka) address = await apacheKafkaBootstrap(VERSION);
    else {
      b = await startCompatBroker();
      address = b.address;
    }
    const tools = `${ensureKafkaJars(VERSION)}/*`;
    const r = await runJava(['cgroup', address, topic, group, String(RECORDS), tools], 420_000, VERSION);
    if (r.timedOut || r.code !== 0) throw new Error(describeRun('java cgroup', r));
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      out = JSON.parse(line) as Result;
    } catch {
      throw new Error(describeRun('java cgroup printed no JSON', r));
    }
  });
  after(async () => {
    await b?.close();
  });

  it('three consumers settle with the partitions spread over all of them and read every record once', () => {
    assert.equal(out.settled, true, `not settled: ${JSON.stringify(out.held)}`);
    assert.deepEqual(out.held.map((p) => p.length > 0), [true, true, true]);
    assert.deepEqual(out.held.flat().map(Number).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5]);
    assert.equal(out.firstDistinct, RECORDS);
    assert.equal(out.firstReads, RECORDS, 'a record was read twice');
  });

  it('AdminClient describeConsumerGroups: type CONSUMER, state STABLE, three members with their assignments', () => {
    assert.equal(out.stable, true, `never Stable with assignment = target: ${JSON.stringify(out.described)}`);
    const d = out.described;
    assert.deepEqual([d.type, d.state, d.assignor], ['CONSUMER', 'STABLE', 'uniform']);
    assert.deepEqual(d.members.map((m) => m.clientId), ['java-cg-0', 'java-cg-1', 'java-cg-2']);
    for (const m of d.members) {
      assert.ok(m.assignment.length > 0, `${m.clientId} has no partitions`);
      assert.deepEqual(m.target, m.assignment, `${m.clientId}: target assignment`);
    }
    assert.deepEqual(d.members.flatMap((m) => m.assignment).sort(), allPartitions(topic));
    // What the consumers themselves held is what the broker describes, member by member.
    assert.deepEqual(d.members.map((m) => m.assignment.map((tp) => tp.slice(topic.length + 1)).sort()), out.held.map((p) => [...p].sort()));
  });

  it('AdminClient listConsumerGroups shows the group with type CONSUMER', () => {
    assert.equal(out.listedType, 'CONSUMER');
  });

  it('kafka-consumer-groups --describe: every partition with its member, committed to the end, lag 0', () => {
    // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
    const r = rows(out.toolDescribe, group);
    assert.deepEqual(r.map((c) => c[2]).sort(), ['0', '1', '2', '3', '4', '5'], out.toolDescribe);
    const owner = new Map(out.described.members.flatMap((m) => m.assignment.map((tp) => [tp.slice(topic.length + 1), m] as const)));
    for (const c of r) {
      assert.equal(c[1], topic, out.toolDescribe);
      assert.deepEqual([c[3], c[4], c[5]], [String(out.committedFirst[c[2]!]), String(out.committedFirst[c[2]!]), '0'], out.toolDescribe);
      assert.equal(c[6], owner.get(c[2]!)!.consumerId, out.toolDescribe);
      assert.equal(c[8], owner.get(c[2]!)!.clientId, out.toolDescribe);
    }
  });

  it('kafka-consumer-groups --describe --members: the three members and their partition counts', () => {
    // GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS
    const r = rows(out.toolMembers, group).map((c) => ({ consumerId: c[1], clientId: c[3], partitions: Number(c[4]) }));
    const want = out.described.members.map((m) => ({ consumerId: m.consumerId, clientId: m.clientId, partitions: m.assignment.length }));
    assert.deepEqual(r.sort((x, y) => x.clientId!.localeCompare(y.clientId!)), want, out.toolMembers);
  });

  it('a consumer that closes hands its partitions to the other two, which read a second batch exactly once', () => {
    assert.equal(out.handedOver, true);
    assert.equal(out.secondRead, true);
    assert.equal(out.distinct, 2 * RECORDS);
    assert.equal(out.duplicates, 0);
    assert.equal(out.reads, 2 * RECORDS);
    assert.equal(out.twoStable, true, JSON.stringify(out.after));
    assert.deepEqual(out.after.members.map((m) => m.clientId), ['java-cg-1', 'java-cg-2']);
    assert.deepEqual(out.after.members.flatMap((m) => m.assignment).sort(), allPartitions(topic));
  });

  it('the committed offsets are the high watermarks', () => {
    assert.equal(out.committedAll, true);
    assert.deepEqual(out.committed, out.ends);
    assert.equal(Object.values(out.ends).reduce((n, x) => n + x, 0), 2 * RECORDS);
    if (b) {
      for (let p = 0; p < PARTITIONS; p++) assert.equal(BigInt(out.ends[String(p)]!), b.broker.logs.partition(topic, p)!.highWatermark);
    }
  });
});
