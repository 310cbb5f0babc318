import type { Logger } from '../logger.js';
import { GroupNotEmptyError, type AdminHandle, type GroupInfo, type KafkaGateway, type PartitionOffsets } from './gateway/index.js';
import { ReconnectingClient } from './reconnecting-client.js';
import { partitionKey } from '../broker/index.js';

export type AdminErrorKind =
  | 'unavailable'
  | 'group_active'
  | 'group_not_found'
  | 'topic_exists'
  | 'unknown_topic'
  | 'unknown_partition'
  | 'invalid_partitions'
  | 'rejected';

/** A refused or failed admin action; `params` fill the translated message. */
export class AdminError extends Error {
  constructor(
    readonly kind: AdminErrorKind,
    message: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export interface TopicView {
  name: string;
  partitions: Array<{ partition: number; logStartOffset: string; endOffset: string }>;
}

export interface MemberView {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** App instance id from the member's subscription userData; null for other clients. */
  instance: string | null;
  assignment: Array<{ topic: string; partition: number }>;
}

export interface GroupOffsetView {
  topic: string;
  partition: number;
  /** null: the group has not committed on this partition. */
  committedOffset: string | null;
  endOffset: string;
  /**
   * end - committed; without a commit, end - log start (what the group would still read: this
   * app's consumers start from the earliest offset).
   */
  lag: string;
  memberId: string | null;
  instance: string | null;
}

export interface GroupView {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: MemberView[];
  offsets: GroupOffsetView[];
}

export interface ClusterView {
  fetchedAt: string;
  topics: TopicView[];
  groups: GroupView[];
}

export type ResetTarget =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; timestamp: number }
  /** `partition` undefined: every partition; offsets outside a partition's range are clamped, as Kafka's tool does. */
  | { kind: 'offset'; offset: bigint; partition?: number };

export interface AdminServiceOptions {
  gateway: KafkaGateway;
  logger: Logger;
  /** Bound for one admin operation, including connecting. */
  timeoutMs?: number;
}

/** Only groups without members may have offsets reset or be deleted (Kafka's own rule). */
const INACTIVE_STATES = new Set(['Empty', 'Dead']);

const big = (s: string) => BigInt(s);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * The group view and admin actions behind /cluster, /api/cluster and the lag gauge. One kafkajs
 * admin client is kept connected and rebuilt after a connection-type failure, like the producer.
 */
export class AdminService {
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly client: ReconnectingClient<AdminHandle>;

  constructor(private readonly opts: AdminServiceOptions) {
    this.log = opts.logger.child({ component: 'admin' });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.client = new ReconnectingClient({
      create: () => opts.gateway.admin(),
      timeoutMs: this.timeoutMs,
      label: 'admin',
      log: this.log,
      failedMsg: 'admin operation failed',
      error: (kind, message, params) => new AdminError(kind, message, params),
      isOwnError: (err) => err instanceof AdminError,
    });
  }

  stop(timeoutMs = 1000): Promise<void> {
    return this.client.stop(timeoutMs);
  }

  clusterView(): Promise<ClusterView> {
    return this.run('cluster view', async (a) => {
      const names = (await a.listTopics()).filter((n) => !n.startsWith('__')).sort();
      const topics: TopicView[] = await Promise.all(
        names.map(async (name) => ({
          name,
          partitions: (await a.topicOffsets(name)).map((p) => ({ partition: p.partition, logStartOffset: p.low, endOffset: p.high })),
        })),
      );
      const described = await a.describeGroups(await a.listGroups());
      const groups = await Promise.all(described.map((g) => this.groupView(a, g, topics)));
      return { fetchedAt: new Date().toISOString(), topics, groups };
    });
  }

  /**
   * The group view narrowed to one topic and a few groups: what the /cluster pictures and the
   * tour sample in the background, without describing every group of a shared cluster.
   */
  partialView(topic: string, groupIds: string[]): Promise<ClusterView> {
    return this.run('partial view', async (a) => {
      if (!(await a.listTopics()).includes(topic)) return { fetchedAt: new Date().toISOString(), topics: [], groups: [] };
      const topics: TopicView[] = [
        { name: topic, partitions: (await a.topicOffsets(topic)).map((p) => ({ partition: p.partition, logStartOffset: p.low, endOffset: p.high })) },
      ];
      const described = await a.describeGroups([...new Set(groupIds)]);
      const groups = await Promise.all(described.map((g) => this.groupView(a, g, topics)));
      return { fetchedAt: new Date().toISOString(), topics, groups };
    });
  }

  /** Lag per partition of one group on one topic (for the Prometheus gauge). */
  groupLag(groupId: string, topic: string, timeoutMs?: number): Promise<Array<{ partition: number; lag: bigint }>> {
    return this.run(
      'group lag',
      async (a) => {
        const ends = await a.topicOffsets(topic);
        const committed = await a.committedOffsets(groupId, [topic]);
        return ends.map((p) => ({ partition: p.partition, lag: lagOf(p, committed.find((c) => c.partition === p.partition)?.offset) }));
      },
      timeoutMs,
    );
  }

  createTopic(topic: string, partitions: number): Promise<void> {
    return this.run('create topic', async (a) => {
      const created = await a.createTopic(topic, partitions);
      if (!created) throw new AdminError('topic_exists', `topic ${topic} already exists`, { topic });
      this.log.info({ topic, partitions }, 'created topic');
    });
  }

  addPartitions(topic: string, count: number): Promise<{ from: number; to: number }> {
    return this.run('add partitions', async (a) => {
      await this.requireTopic(a, topic);
      const from = (await a.topicOffsets(topic)).length;
      if (count <= from) {
        throw new AdminError('invalid_partitions', `topic ${topic} has ${from} partitions; the new count must be larger`, { topic, current: from });
      }
      await a.createPartitions(topic, count);
      this.log.info({ topic, from, to: count }, 'added partitions');
      return { from, to: count };
    });
  }

  /**
   * Commits new offsets for a group without members. The target is resolved to real offsets
   * first (ListOffsets), so the page shows numbers rather than kafkajs's symbolic -2/-1.
   */
  resetOffsets(groupId: string, topic: string, target: ResetTarget): Promise<Array<{ partition: number; offset: string }>> {
    return this.run(
      'reset offsets',
      async (a) => {
        await this.requireInactive(a, groupId);
        await this.requireTopic(a, topic);
        const parts = await a.topicOffsets(topic);
        let offsets: Array<{ partition: number; offset: string }>;
        switch (target.kind) {
          case 'earliest':
            offsets = parts.map((p) => ({ partition: p.partition, offset: p.low }));
            break;
          case 'latest':
            offsets = parts.map((p) => ({ partition: p.partition, offset: p.high }));
            break;
          case 'timestamp':
            offsets = await a.offsetsForTimestamp(topic, target.timestamp);
            break;
          case 'offset': {
            let chosen = parts;
            if (target.partition !== undefined) {
              chosen = parts.filter((p) => p.partition === target.partition);
              if (chosen.length === 0) {
                throw new AdminError('unknown_partition', `topic ${topic} has no partition ${target.partition}`, {
                  topic,
                  partition: target.partition,
                  count: parts.length,
                });
              }
            }
            offsets = chosen.map((p) => ({ partition: p.partition, offset: min(max(target.offset, big(p.low)), big(p.high)).toString() }));
            break;
          }
        }
        try {
          await a.setOffsets(groupId, topic, offsets, parts.length);
        } catch (err) {
          if (err instanceof GroupNotEmptyError) {
            throw new AdminError('group_active', err.message, { group: groupId, state: 'PreparingRebalance', members: '2+' });
          }
          throw err;
        }
        this.log.info({ groupId, topic, target: { ...target, offset: 'offset' in target ? target.offset.toString() : undefined }, offsets }, 'reset group offsets');
        return offsets;
      },
      // setOffsets joins the group with a throw-away member, which takes a (short) rebalance.
      Math.max(this.timeoutMs, 20_000),
    );
  }

  deleteGroup(groupId: string): Promise<void> {
    return this.run('delete group', async (a) => {
      await this.requireInactive(a, groupId, true);
      try {
        await a.deleteGroup(groupId);
      } catch (err) {
        const root = (err as { groups?: Array<{ error?: { type?: string } }> }).groups?.[0]?.error?.type;
        if (root === 'NON_EMPTY_GROUP') throw new AdminError('group_active', `group ${groupId} has members`, { group: groupId, state: 'Stable', members: '?' });
        if (root === 'GROUP_ID_NOT_FOUND') throw new AdminError('group_not_found', `group ${groupId} does not exist`, { group: groupId });
        throw err;
      }
      this.log.info({ groupId }, 'deleted consumer group');
    });
  }

  private async groupView(a: AdminHandle, g: GroupInfo, topics: TopicView[]): Promise<GroupView> {
    const byName = new Map(topics.map((t) => [t.name, t]));
    const owner = new Map<string, GroupInfo['members'][number]>();
    const interest = new Set<string>();
    for (const m of g.members) {
      for (const t of m.subscribedTopics) interest.add(t);
      for (const [t, ps] of Object.entries(m.assignment)) {
        interest.add(t);
        for (const p of ps) owner.set(partitionKey(t, p), m);
      }
    }
    const committed = g.state === 'Dead' ? [] : await a.committedOffsets(g.groupId, [...byName.keys()]);
    for (const c of committed) if (big(c.offset) >= 0n) interest.add(c.topic);

    const offsets: GroupOffsetView[] = [];
    for (const name of [...interest].sort()) {
      const topic = byName.get(name);
      if (!topic) continue;
      for (const p of topic.partitions) {
        const c = committed.find((x) => x.topic === name && x.partition === p.partition)?.offset;
        const member = owner.get(partitionKey(name, p.partition));
        offsets.push({
          topic: name,
          partition: p.partition,
          committedOffset: c !== undefined && big(c) >= 0n ? c : null,
          endOffset: p.endOffset,
          lag: lagOf({ partition: p.partition, low: p.logStartOffset, high: p.endOffset }, c).toString(),
          memberId: member?.memberId ?? null,
          instance: member?.instance ?? null,
        });
      }
    }
    return {
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      protocol: g.protocol,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        instance: m.instance,
        assignment: Object.entries(m.assignment)
          .flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))
          .sort((x, y) => x.topic.localeCompare(y.topic) || x.partition - y.partition),
      })),
      offsets,
    };
  }

  private async requireTopic(a: AdminHandle, topic: string): Promise<void> {
    if (!(await a.listTopics()).includes(topic)) throw new AdminError('unknown_topic', `topic ${topic} does not exist`, { topic });
  }

  /** DescribeGroups first: Kafka refuses these actions while the group has members. */
  private async requireInactive(a: AdminHandle, groupId: string, mustExist = false): Promise<void> {
    const [g] = await a.describeGroups([groupId]);
    const state = g?.state ?? 'Dead';
    if (mustExist && state === 'Dead') throw new AdminError('group_not_found', `group ${groupId} does not exist`, { group: groupId });
    if (!INACTIVE_STATES.has(state)) {
      throw new AdminError('group_active', `group ${groupId} is ${state} with ${g?.members.length ?? 0} member(s)`, {
        group: groupId,
        state,
        members: g?.members.length ?? 0,
      });
    }
  }

  private run<T>(what: string, fn: (a: AdminHandle) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    return this.client.run(what, fn, timeoutMs);
  }
}

function lagOf(p: PartitionOffsets, committed: string | undefined): bigint {
  const end = big(p.high);
  const from = committed !== undefined && big(committed) >= 0n ? big(committed) : big(p.low);
  return max(0n, end - from);
}
