/**
 * The differential scenarios: each one a sequence of raw requests whose answers, collected into
 * one object, must be the same from the embedded broker and from Apache Kafka. Names are unique
 * per run (ctx.name), the same on both brokers. Every wait is on a condition and bounded.
 */
import { Writer } from '../../../src/broker/protocol/writer.js';
import { requestFrame } from '../../helpers/raw-client.js';
import { Wire, batch, subscription, assignment, CODECS, type CodecName } from '../../helpers/kafka-wire.js';
import { waitFor } from '../../helpers/wait.js';
import type { Ctx, Scenario } from './compare.js';

export type { Ctx, Scenario };

const T0 = 1_700_000_000_000n;

/** waitFor in the form the scenarios read best: a probe, a predicate, and the last answer on timeout. */
export async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  let last: T | undefined;
  const seen = () => `${what}, last ${JSON.stringify(last, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`;
  const hit = await waitFor(seen, async () => {
    last = await probe();
    return ok(last) ? { value: last } : undefined;
  }, timeoutMs);
  return hit.value;
}

/** Creates a topic and waits (bounded) until Metadata shows a leader for every partition. */
export async function topic(ctx: Ctx, base: string, partitions = 1, configs: Record<string, string> = {}): Promise<string> {
  const name = ctx.name(base);
  const [res] = await ctx.wire.createTopics([{ name, partitions, replicationFactor: 1, configs }]);
  if (res!.errorCode !== 0) throw new Error(`create ${name}: error ${res!.errorCode}`);
  await until(`leaders of ${name}`, () => ctx.wire.metadata([name]), (m) => m.topics[0]!.errorCode === 0 && m.topics[0]!.partitions.length === partitions && m.topics[0]!.partitions.every((p) => p.leader >= 0));
  // Kafka's Metadata can show the leader a moment before the partition answers as leader.
  const all = Array.from({ length: partitions }, (_, index) => ({ index, timestamp: -1n }));
  await until(`partitions of ${name} answer`, () => ctx.wire.listOffsets(name, all), (ps) => ps.every((p) => p.errorCode === 0));
  return name;
}

/**
 * Waits until the group's coordinator answers (Kafka creates __consumer_offsets on first use, and
 * names a coordinator before that partition has loaded: group requests then get
 * NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS). OffsetFetch probes it without creating the group.
 */
export async function coordinator(ctx: Ctx, group: string) {
  const found = await until(`coordinator for ${group}`, () => ctx.wire.findCoordinator(group), (c) => c[0]!.errorCode === 0);
  await until(`coordinator of ${group} loaded`, () => ctx.wire.offsetFetch(group, null), (r) => r.errorCode === 0);
  return found;
}

export const recs = (n: number, from = 0, ts = T0) => Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}`, timestamp: ts + BigInt(from + i) }));

async function produceN(ctx: Ctx, t: string, partition: number, batches: number, perBatch: number, codec: CodecName = 'none') {
  const out = [];
  for (let b = 0; b < batches; b++) out.push(await ctx.wire.produce(t, partition, await batch(recs(perBatch, b * perBatch), codec)));
  return out;
}

/** JoinGroup the way a v4+ client does it: MEMBER_ID_REQUIRED first, then again with the id. */
async function join(ctx: Ctx, group: string, topics: string[], wire = ctx.wire, opts: { protocolType?: string } = {}) {
  const first = await wire.joinGroup(group, '', { protocols: [{ name: 'range', metadata: subscription(topics) }], ...opts });
  if (first.errorCode !== 79) return { first, second: first };
  const second = await wire.joinGroup(group, first.memberId, { protocols: [{ name: 'range', metadata: subscription(topics) }], ...opts });
  return { first, second };
}

/** One member that joined and synced (as leader, assigning itself every partition). */
async function stableMember(ctx: Ctx, group: string, t: string, partitions: number[]) {
  await coordinator(ctx, group);
  const { first, second } = await join(ctx, group, [t]);
  const sync = await ctx.wire.syncGroup(group, second.generationId, second.memberId, [{ memberId: second.memberId, assignment: assignment(t, partitions) }]);
  return { first, second, sync, memberId: second.memberId, generationId: second.generationId };
}

/** InitProducerId as clients do it: retried while Kafka's producer id manager is still starting. */
const producerId = (ctx: Ctx) => until('a producer id', () => ctx.wire.initProducerId(), (p) => p.errorCode === 0);

const describeState = async (ctx: Ctx, group: string) => (await ctx.wire.describeGroups([group]))[0]!;

function sequenced(records: number, seq: number, producerId: bigint, producerEpoch: number, from = 0) {
  return batch(recs(records, from), 'none', { producerId, producerEpoch, baseSequence: seq });
}

export const scenarios: Scenario[] = [
  // ---- Metadata and topic names ----------------------------------------------------------------
  {
    name: 'Metadata: an unknown topic, auto-creation off',
    run: async (ctx) => (await ctx.wire.metadata([ctx.name('nope')], false)).topics,
  },
  {
    name: 'Metadata: illegal topic names',
    run: async (ctx) => (await ctx.wire.metadata(['bad/name', 'a b', '..', 'x'.repeat(250)], true)).topics,
  },
  {
    name: 'Metadata: a topic with three partitions, and the broker list',
    run: async (ctx) => {
      const t = await topic(ctx, 'meta', 3);
      const m = await ctx.wire.metadata([t]);
      return { brokers: m.brokers, controllerId: m.controllerId, clusterId: m.clusterId, topics: m.topics };
    },
  },
  // ---- CreateTopics / DeleteTopics / CreatePartitions ------------------------------------------
  {
    name: 'CreateTopics: created, then a duplicate',
    run: async (ctx) => {
      const name = ctx.name('dup');
      const a = await ctx.wire.createTopics([{ name, partitions: 2, replicationFactor: 1 }]);
      const b = await ctx.wire.createTopics([{ name, partitions: 2, replicationFactor: 1 }]);
      return { a: a.map((t) => ({ ...t, configs: undefined })), b };
    },
  },
  {
    name: 'CreateTopics: illegal names',
    run: async (ctx) => ctx.wire.createTopics([{ name: 'a b' }, { name: '.' }, { name: '..' }, { name: 'y'.repeat(250) }, { name: '' }]),
  },
  {
    name: 'CreateTopics: bad configs (unparsable value, unknown name, bad cleanup.policy)',
    run: async (ctx) =>
      ctx.wire.createTopics([
        { name: ctx.name('badcfg1'), partitions: 1, replicationFactor: 1, configs: { 'retention.ms': 'soon' } },
        { name: ctx.name('badcfg2'), partitions: 1, replicationFactor: 1, configs: { 'no.such.config': '1' } },
        { name: ctx.name('badcfg3'), partitions: 1, replicationFactor: 1, configs: { 'cleanup.policy': 'shred' } },
        { name: ctx.name('badcfg4'), partitions: 1, replicationFactor: 1, configs: { 'retention.ms': null } },
      ]),
  },
  {
    name: 'CreateTopics: bad partition counts and replication factors',
    run: async (ctx) =>
      ctx.wire.createTopics([
        { name: ctx.name('p0'), partitions: 0, replicationFactor: 1 },
        { name: ctx.name('rf2'), partitions: 1, replicationFactor: 2 },
        { name: ctx.name('rf0'), partitions: 1, replicationFactor: 0 },
      ]),
  },
  {
    name: 'CreateTopics: validateOnly creates nothing',
    run: async (ctx) => {
      const name = ctx.name('dry');
      const res = await ctx.wire.createTopics([{ name, partitions: 4, replicationFactor: 1, configs: { 'retention.ms': '1000' } }], true);
      const meta = await ctx.wire.metadata([name]);
      return { res: res.map((t) => ({ ...t, configs: undefined })), meta: meta.topics };
    },
  },
  {
    name: 'DeleteTopics: an existing and an unknown topic',
    run: async (ctx) => {
      const t = await topic(ctx, 'del', 1);
      const res = await ctx.wire.deleteTopics([t, ctx.name('never')]);
      const meta = await until('topic gone', () => ctx.wire.metadata([t]), (m) => m.topics[0]!.errorCode !== 0);
      return { res, meta: meta.topics };
    },
  },
  {
    name: 'CreatePartitions: down, equal, up, validateOnly, unknown topic',
    run: async (ctx) => {
      const t = await topic(ctx, 'cp', 3);
      const down = await ctx.wire.createPartitions([{ name: t, count: 2 }]);
      const equal = await ctx.wire.createPartitions([{ name: t, count: 3 }]);
      const dry = await ctx.wire.createPartitions([{ name: t, count: 6 }], true);
      const up = await ctx.wire.createPartitions([{ name: t, count: 5 }]);
      const unknown = await ctx.wire.createPartitions([{ name: ctx.name('cp-none'), count: 2 }]);
      const meta = await until('5 partitions', () => ctx.wire.metadata([t]), (m) => m.topics[0]!.partitions.length === 5 && m.topics[0]!.partitions.every((p) => p.leader >= 0));
      return { down, equal, dry, up, unknown, partitions: meta.topics[0]!.partitions.map((p) => p.index).sort((a, b) => a - b) };
    },
  },
  // ---- Produce ---------------------------------------------------------------------------------
  {
    name: 'Produce: a missing partition and an unknown topic',
    run: async (ctx) => {
      const t = await topic(ctx, 'prod-missing', 1);
      const b = await batch(recs(1));
      return { missing: await ctx.wire.produce(t, 5, b), unknown: await ctx.wire.produce(ctx.name('prod-none'), 0, b) };
    },
  },
  {
    name: 'Produce: acks 1 and -1, offsets and log start',
    run: async (ctx) => {
      const t = await topic(ctx, 'acks', 1);
      const one = await ctx.wire.produce(t, 0, await batch(recs(3)), 1);
      const all = await ctx.wire.produce(t, 0, await batch(recs(2, 3)), -1);
      const fetched = await ctx.wire.fetch(t, 0, 0n);
      return { one, all, fetched };
    },
  },
  {
    name: 'Produce: acks 0 gets no answer, the records are there',
    run: async (ctx) => {
      const t = await topic(ctx, 'acks0', 1);
      ctx.wire.produceAcks0(t, 0, await batch(recs(4)));
      const end = await until('acks=0 record visible', () => ctx.wire.listOffsets(t, [{ index: 0, timestamp: -1n }]), (p) => p[0]!.offset === 4n);
      return { end, fetched: await ctx.wire.fetch(t, 0, 0n) };
    },
  },
  {
    name: 'Produce: invalid acks',
    run: async (ctx) => {
      const t = await topic(ctx, 'acks2', 1);
      return ctx.wire.produce(t, 0, await batch(recs(1)), 2);
    },
  },
  // ---- Fetch -----------------------------------------------------------------------------------
  {
    name: 'Fetch: below, at and past the high watermark',
    run: async (ctx) => {
      const t = await topic(ctx, 'fetch', 1);
      await produceN(ctx, t, 0, 3, 2);
      return {
        below: await ctx.wire.fetch(t, 0, 2n),
        start: await ctx.wire.fetch(t, 0, 0n),
        at: await ctx.wire.fetch(t, 0, 6n, 0),
        past: await ctx.wire.fetch(t, 0, 7n),
        negative: await ctx.wire.fetch(t, 0, -1n),
      };
    },
  },
  {
    name: 'Fetch: an unknown topic and a missing partition',
    run: async (ctx) => {
      const t = await topic(ctx, 'fetch-missing', 1);
      return { missing: await ctx.wire.fetch(t, 3, 0n), unknown: await ctx.wire.fetch(ctx.name('fetch-none'), 0, 0n) };
    },
  },
  // ---- ListOffsets in every codec --------------------------------------------------------------
  ...(Object.keys(CODECS) as CodecName[]).map(
    (codec): Scenario => ({
      name: `ListOffsets: earliest, latest, max and by time inside ${codec} batches`,
      run: async (ctx) => {
        const t = await topic(ctx, `lo-${codec}`, 1);
        const produced = await produceN(ctx, t, 0, 3, 3, codec);
        const q = (timestamp: bigint) => ctx.wire.listOffsets(t, [{ index: 0, timestamp }]);
        return {
          produced: produced.map((p) => p.errorCode + ':' + p.baseOffset),
          earliest: await q(-2n),
          latest: await q(-1n),
          max: await q(-3n),
          first: await q(T0),
          inside: await q(T0 + 4n),
          between: await q(T0 + 7n),
          beforeAll: await q(T0 - 100n),
          afterAll: await q(T0 + 100n),
          fetched: await ctx.wire.fetch(t, 0, 4n),
        };
      },
    }),
  ),
  {
    name: 'ListOffsets: a missing partition, an unknown topic, an empty partition',
    run: async (ctx) => {
      const t = await topic(ctx, 'lo-missing', 2);
      return {
        partitions: await ctx.wire.listOffsets(t, [{ index: 0, timestamp: -1n }, { index: 1, timestamp: T0 }, { index: 7, timestamp: -2n }]),
        unknown: await ctx.wire.listOffsets(ctx.name('lo-none'), [{ index: 0, timestamp: -1n }]),
      };
    },
  },
  // ---- DeleteRecords ---------------------------------------------------------------------------
  {
    name: 'DeleteRecords: inside, to the high watermark (-1), past it, missing partition',
    run: async (ctx) => {
      const t = await topic(ctx, 'dr', 2);
      await produceN(ctx, t, 0, 2, 3);
      const inside = await ctx.wire.deleteRecords(t, [{ index: 0, offset: 2n }]);
      const past = await ctx.wire.deleteRecords(t, [{ index: 0, offset: 99n }]);
      const back = await ctx.wire.deleteRecords(t, [{ index: 0, offset: 1n }]);
      const hw = await ctx.wire.deleteRecords(t, [{ index: 0, offset: -1n }]);
      const missing = await ctx.wire.deleteRecords(t, [{ index: 9, offset: 0n }]);
      const after = {
        earliest: await ctx.wire.listOffsets(t, [{ index: 0, timestamp: -2n }]),
        fetchDeleted: await ctx.wire.fetch(t, 0, 1n),
        fetchEnd: await ctx.wire.fetch(t, 0, 6n),
      };
      return { inside, past, back, hw, missing, after };
    },
  },
  // ---- DescribeConfigs -------------------------------------------------------------------------
  {
    name: 'DescribeConfigs: overrides and defaults with their sources, an unknown topic',
    run: async (ctx) => {
      const t = await topic(ctx, 'cfg', 1, { 'retention.ms': '3600000', 'retention.bytes': '1000000' });
      const names = ['retention.ms', 'cleanup.policy', 'segment.bytes', 'max.message.bytes', 'retention.bytes', 'compression.type', 'message.timestamp.type', 'min.insync.replicas'];
      return ctx.wire.describeConfigs([
        { type: 2, name: t, configNames: names },
        { type: 2, name: ctx.name('cfg-none'), configNames: ['retention.ms'] },
      ]);
    },
  },
  {
    name: 'CreateTopics: the configs a created topic reports',
    run: async (ctx) => {
      const name = ctx.name('ct-cfg');
      const [res] = await ctx.wire.createTopics([{ name, partitions: 1, replicationFactor: 1, configs: { 'retention.ms': '5000' } }]);
      const pick = ['retention.ms', 'cleanup.policy', 'segment.bytes', 'max.message.bytes'];
      return { ...res, configs: res!.configs?.filter((c) => pick.includes(c.name)).sort((a, b) => a.name.localeCompare(b.name)) };
    },
  },
  // ---- idempotent produce ----------------------------------------------------------------------
  {
    name: 'Idempotent produce: in order, a duplicate, a gap, a new epoch, a fenced epoch',
    run: async (ctx) => {
      const t = await topic(ctx, 'idem', 1);
      const pid = await producerId(ctx);
      const id = pid.producerId;
      const first = await ctx.wire.produce(t, 0, await sequenced(3, 0, id, pid.producerEpoch));
      const next = await ctx.wire.produce(t, 0, await sequenced(2, 3, id, pid.producerEpoch, 3));
      const duplicate = await ctx.wire.produce(t, 0, await sequenced(2, 3, id, pid.producerEpoch, 3));
      const gap = await ctx.wire.produce(t, 0, await sequenced(1, 9, id, pid.producerEpoch, 9));
      const newEpochBadSeq = await ctx.wire.produce(t, 0, await sequenced(1, 5, id, pid.producerEpoch + 1, 5));
      const newEpoch = await ctx.wire.produce(t, 0, await sequenced(1, 0, id, pid.producerEpoch + 1, 5));
      const fenced = await ctx.wire.produce(t, 0, await sequenced(1, 5, id, pid.producerEpoch, 6));
      const end = await ctx.wire.listOffsets(t, [{ index: 0, timestamp: -1n }]);
      return { pid, first, next, duplicate, gap, newEpochBadSeq, newEpoch, fenced, end };
    },
  },
  {
    name: 'Idempotent produce: an unknown producer id',
    run: async (ctx) => {
      const t = await topic(ctx, 'idem-unknown', 1);
      return {
        seq0: await ctx.wire.produce(t, 0, await sequenced(1, 0, 987_654_321n, 0)),
        seq7: await ctx.wire.produce(t, 0, await sequenced(1, 7, 987_654_322n, 0)),
      };
    },
  },
  // ---- groups ----------------------------------------------------------------------------------
  {
    name: 'FindCoordinator: a group',
    run: async (ctx) => coordinator(ctx, ctx.name('fc')),
  },
  {
    name: 'JoinGroup/SyncGroup/Heartbeat: member id required, leader, wrong generation, unknown member',
    run: async (ctx) => {
      const t = await topic(ctx, 'jg', 2);
      const group = ctx.name('jg');
      const m = await stableMember(ctx, group, t, [0, 1]);
      return {
        first: m.first,
        second: m.second,
        sync: m.sync,
        hb: await ctx.wire.heartbeat(group, m.generationId, m.memberId),
        hbWrongGen: await ctx.wire.heartbeat(group, m.generationId + 5, m.memberId),
        hbUnknown: await ctx.wire.heartbeat(group, m.generationId, 'nobody'),
        syncWrongGen: await ctx.wire.syncGroup(group, m.generationId + 1, m.memberId, []),
        syncUnknown: await ctx.wire.syncGroup(group, m.generationId, 'nobody', []),
        hbNoGroup: await coordinator(ctx, ctx.name('jg-none')).then(() => ctx.wire.heartbeat(ctx.name('jg-none'), 1, 'nobody')),
      };
    },
  },
  {
    name: 'JoinGroup: unknown member id, bad session timeout, empty group id, inconsistent protocol',
    run: async (ctx) => {
      const t = await topic(ctx, 'jg-bad', 1);
      const group = ctx.name('jg-bad');
      await coordinator(ctx, group);
      const unknownMember = await ctx.wire.joinGroup(group, 'nobody', { protocols: [{ name: 'range', metadata: subscription([t]) }] });
      const badTimeout = await ctx.wire.joinGroup(group, '', { sessionTimeoutMs: 1, protocols: [{ name: 'range', metadata: subscription([t]) }] });
      const emptyGroup = await ctx.wire.joinGroup('', '', { protocols: [{ name: 'range', metadata: subscription([t]) }] });
      await stableMember(ctx, group, t, [0]);
      const other = await ctx.connect();
      try {
        const first = await other.joinGroup(group, '', { protocolType: 'connect', protocols: [{ name: 'x', metadata: Buffer.alloc(0) }] });
        const inconsistent = first.errorCode === 79 ? await other.joinGroup(group, first.memberId, { protocolType: 'connect', protocols: [{ name: 'x', metadata: Buffer.alloc(0) }] }) : first;
        return { unknownMember, badTimeout, emptyGroup, inconsistent };
      } finally {
        other.close();
      }
    },
  },
  {
    name: 'DescribeGroups through a group\'s life: unknown, stable, empty after leave, dead after delete',
    run: async (ctx) => {
      const t = await topic(ctx, 'dg', 1);
      const group = ctx.name('dg');
      await coordinator(ctx, group);
      const unknown = await describeState(ctx, group);
      const m = await stableMember(ctx, group, t, [0]);
      const stable = await describeState(ctx, group);
      const leave = await ctx.wire.leaveGroup(group, [m.memberId]);
      const empty = await describeState(ctx, group);
      const listed = (await ctx.wire.listGroups()).groups.filter((g) => g.groupId === group);
      const del = await ctx.wire.deleteGroups([group]);
      const dead = await describeState(ctx, group);
      return { unknown, stable, leave, empty, listed, del, dead };
    },
  },
  {
    name: 'LeaveGroup: an unknown member, an unknown group',
    run: async (ctx) => {
      const t = await topic(ctx, 'lg', 1);
      const group = ctx.name('lg');
      await stableMember(ctx, group, t, [0]);
      await coordinator(ctx, ctx.name('lg-none'));
      return { unknownMember: await ctx.wire.leaveGroup(group, ['nobody']), unknownGroup: await ctx.wire.leaveGroup(ctx.name('lg-none'), ['nobody']) };
    },
  },
  {
    name: 'ListGroups: filtered by state',
    run: async (ctx) => {
      const t = await topic(ctx, 'lsg', 1);
      const group = ctx.name('lsg');
      await stableMember(ctx, group, t, [0]);
      const mine = (gs: { groupId: string }[]) => gs.filter((g) => g.groupId === group);
      const all = await ctx.wire.listGroups();
      const stable = await ctx.wire.listGroups(['Stable']);
      const empty = await ctx.wire.listGroups(['Empty']);
      return { all: { errorCode: all.errorCode, groups: mine(all.groups) }, stable: mine(stable.groups), empty: mine(empty.groups) };
    },
  },
  {
    name: 'OffsetCommit: simple (generation -1) commits, then OffsetFetch',
    run: async (ctx) => {
      const t = await topic(ctx, 'oc', 2);
      const group = ctx.name('oc');
      await coordinator(ctx, group);
      const commit = await ctx.wire.offsetCommit(group, -1, '', t, [{ index: 0, offset: 5n, metadata: 'hello' }, { index: 1, offset: 0n }]);
      const fetched = await ctx.wire.offsetFetch(group, [{ name: t, partitions: [0, 1, 2] }]);
      const all = await ctx.wire.offsetFetch(group, null);
      const state = await describeState(ctx, group);
      return { commit, fetched, all, state };
    },
  },
  {
    name: 'OffsetCommit from non-members: unknown group with a generation, unknown member, wrong generation',
    run: async (ctx) => {
      const t = await topic(ctx, 'ocnm', 1);
      const group = ctx.name('ocnm');
      await coordinator(ctx, group);
      await coordinator(ctx, ctx.name('ocnm-none'));
      const noGroup = await ctx.wire.offsetCommit(ctx.name('ocnm-none'), 3, 'nobody', t, [{ index: 0, offset: 1n }]);
      const m = await stableMember(ctx, group, t, [0]);
      const unknownMember = await ctx.wire.offsetCommit(group, m.generationId, 'nobody', t, [{ index: 0, offset: 1n }]);
      const wrongGen = await ctx.wire.offsetCommit(group, m.generationId + 3, m.memberId, t, [{ index: 0, offset: 1n }]);
      const simpleOnActive = await ctx.wire.offsetCommit(group, -1, '', t, [{ index: 0, offset: 1n }]);
      const ok = await ctx.wire.offsetCommit(group, m.generationId, m.memberId, t, [{ index: 0, offset: 1n }]);
      const fetched = await ctx.wire.offsetFetch(group, [{ name: t, partitions: [0] }]);
      return { noGroup, unknownMember, wrongGen, simpleOnActive, ok, fetched };
    },
  },
  {
    name: 'OffsetCommit: an unknown topic and a missing partition',
    run: async (ctx) => {
      const t = await topic(ctx, 'ocut', 1);
      const group = ctx.name('ocut');
      await coordinator(ctx, group);
      return {
        unknownTopic: await ctx.wire.offsetCommit(group, -1, '', ctx.name('ocut-none'), [{ index: 0, offset: 1n }]),
        missingPartition: await ctx.wire.offsetCommit(group, -1, '', t, [{ index: 4, offset: 1n }]),
      };
    },
  },
  {
    name: 'OffsetFetch: an unknown group',
    run: async (ctx) => {
      const t = await topic(ctx, 'ofu', 2);
      const group = ctx.name('ofu');
      await coordinator(ctx, group);
      return { some: await ctx.wire.offsetFetch(group, [{ name: t, partitions: [0, 1] }]), all: await ctx.wire.offsetFetch(group, null) };
    },
  },
  {
    name: 'DeleteGroups: a non-empty group, an unknown group, an empty group',
    run: async (ctx) => {
      const t = await topic(ctx, 'delg', 1);
      const live = ctx.name('delg-live');
      const idle = ctx.name('delg-idle');
      await stableMember(ctx, live, t, [0]);
      await coordinator(ctx, idle);
      await ctx.wire.offsetCommit(idle, -1, '', t, [{ index: 0, offset: 0n }]);
      await coordinator(ctx, ctx.name('delg-none'));
      const res = await ctx.wire.deleteGroups([live, ctx.name('delg-none'), idle]);
      const offsetsAfter = await ctx.wire.offsetFetch(idle, [{ name: t, partitions: [0] }]);
      return { res, offsetsAfter };
    },
  },
  {
    name: 'OffsetDelete: an unknown group, a subscribed topic of a live group, an Empty group',
    run: async (ctx) => {
      const t = await topic(ctx, 'od', 2);
      const other = await topic(ctx, 'od-other', 1);
      const group = ctx.name('od');
      await coordinator(ctx, ctx.name('od-none'));
      const unknown = await ctx.wire.offsetDelete(ctx.name('od-none'), t, [0]);
      const m = await stableMember(ctx, group, t, [0, 1]);
      await ctx.wire.offsetCommit(group, m.generationId, m.memberId, t, [{ index: 0, offset: 3n }, { index: 1, offset: 4n }]);
      await ctx.wire.offsetCommit(group, m.generationId, m.memberId, other, [{ index: 0, offset: 1n }]);
      const subscribed = await ctx.wire.offsetDelete(group, t, [0]);
      const notSubscribed = await ctx.wire.offsetDelete(group, other, [0]);
      await ctx.wire.leaveGroup(group, [m.memberId]);
      const empty = await ctx.wire.offsetDelete(group, t, [1, 5]);
      const left = await ctx.wire.offsetFetch(group, [{ name: t, partitions: [0, 1] }, { name: other, partitions: [0] }]);
      return { unknown, subscribed, notSubscribed, empty, left };
    },
  },
  // ---- InitProducerId / ApiVersions ------------------------------------------------------------
  {
    name: 'InitProducerId: two producers get different ids, epoch 0',
    run: async (ctx) => {
      const a = await producerId(ctx);
      const b = await ctx.wire.initProducerId();
      return { a, b, different: a.producerId !== b.producerId };
    },
  },
  {
    name: 'ApiVersions: an unsupported version is answered in the v0 layout',
    run: async (ctx) => {
      // What a newer client sends first: its own newest ApiVersions (flexible header and body).
      const body = await ctx.wire.raw((id) =>
        requestFrame({ apiKey: 18, apiVersion: 99, correlationId: id, clientId: 'differential', flexibleHeader: true }, new Writer(32).compactString('differential').compactString('9.9').emptyTaggedFields().toBuffer()),
      );
      const errorCode = body.int16();
      const apis = body.array((r) => ({ key: r.int16(), min: r.int16(), max: r.int16() }));
      return { errorCode, apiVersionsListed: apis.find((a) => a.key === 18) !== undefined };
    },
  },
];
