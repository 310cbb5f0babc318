import type { Logger } from '../logger.js';
import type { ClusterView } from './admin-service.js';
import { partitionKey } from '../broker/index.js';

/**
 * A short in-memory history of the group view, for the live pictures on /cluster: per
 * partition the end offset and each group's committed offset over the last minutes (lag and
 * messages/s), and a timeline of each group's rebalances: every change of a group's members or
 * assignment seen in DescribeGroups, with the generation this instance's member was told by
 * the coordinator when it was in that group. Samples come from a timer and from every view the
 * pages fetch anyway; nothing is persisted, so the history starts when the instance starts.
 */

export interface HistorySample {
  at: number;
  /** partitionKey(topic, partition) -> end offset. */
  ends: Map<string, bigint>;
  /** `${group}\u0000${partitionKey(topic, partition)}` -> committed offset (absent: none). */
  committed: Map<string, bigint>;
}

export interface RebalanceEntry {
  at: number;
  group: string;
  state: string;
  /** The coordinator's generation, when this instance's member was in the group then. */
  generation: number | null;
  members: Array<{ id: string; instance: string | null; partitions: Array<{ topic: string; partition: number }> }>;
}

export interface ClusterHistoryOptions {
  /** How far back samples are kept. */
  windowMs?: number;
  maxTimeline?: number;
  logger?: Logger;
  now?: () => number;
}

export class ClusterHistory {
  private readonly samples: HistorySample[] = [];
  private readonly timeline: RebalanceEntry[] = [];
  private readonly signatures = new Map<string, string>();
  /** Instance ids in the order first seen: their colours stay put while the page refreshes. */
  private readonly instances: string[] = [];
  private readonly generations = new Map<string, { generation: number; memberId: string }>();
  private readonly joinedAt = new Map<string, number>();
  private latestView: { at: number; view: ClusterView } | undefined;
  private lastSampleAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  readonly windowMs: number;
  private readonly maxTimeline: number;
  private readonly now: () => number;

  constructor(private readonly opts: ClusterHistoryOptions = {}) {
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.maxTimeline = opts.maxTimeline ?? 50;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Samples `load` (a view narrowed to this instance's topic and groups) every `everyMs`, unless a
   * page recorded a view more recently.
   */
  start(load: () => Promise<ClusterView>, everyMs = 5000): void {
    if (this.timer) return;
    const tick = async () => {
      if (this.sampling || this.now() - this.lastSampleAt < everyMs / 2) return;
      this.sampling = true;
      try {
        this.record(await load(), { partial: true });
      } catch (err) {
        // Kafka unreachable: the pictures keep the last samples; the page says why elsewhere.
        this.opts.logger?.debug({ err: (err as Error).message }, 'cluster history sample failed');
      } finally {
        this.sampling = false;
      }
    };
    this.timer = setInterval(() => void tick(), everyMs);
    this.timer.unref();
    void tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * This instance's member (re)joined `group` (kafkajs GROUP_JOIN): the generation it had is
   * over, and the next heartbeat tells the new one.
   */
  noteJoin(group: string): void {
    this.generations.delete(group);
    this.joinedAt.set(group, this.now());
  }

  /** The coordinator's generation for this instance's member (kafkajs heartbeats carry it). */
  noteGeneration(group: string, memberId: string, generation: number): void {
    const known = this.generations.get(group);
    if (known && known.generation === generation && known.memberId === memberId) return;
    this.generations.set(group, { generation, memberId });
    // The picture of this membership may already be in the timeline, recorded between the join
    // and this first heartbeat; a picture from before the join keeps what it had.
    const since = this.joinedAt.get(group) ?? 0;
    for (let i = this.timeline.length - 1; i >= 0; i--) {
      const e = this.timeline[i]!;
      if (e.group !== group) continue;
      if (e.at >= since && (e.generation === null || e.generation < generation) && e.members.some((m) => m.id === memberId)) e.generation = generation;
      break;
    }
  }

  /** `partial`: the view covers only some topics and groups; it is not reused for drawing. */
  record(view: ClusterView, opts: { partial?: boolean } = {}): void {
    const at = this.now();
    this.lastSampleAt = at;
    if (!opts.partial) this.latestView = { at, view };
    const ends = new Map<string, bigint>();
    for (const t of view.topics) for (const p of t.partitions) ends.set(partitionKey(t.name, p.partition), BigInt(p.endOffset));
    const committed = new Map<string, bigint>();
    for (const g of view.groups) {
      for (const o of g.offsets) if (o.committedOffset !== null) committed.set(`${g.groupId}\u0000${partitionKey(o.topic, o.partition)}`, BigInt(o.committedOffset));
      for (const m of g.members) if (m.instance && !this.instances.includes(m.instance)) this.instances.push(m.instance);
      this.noteMembership(at, g);
    }
    this.samples.push({ at, ends, committed });
    while (this.samples.length > 0 && this.samples[0]!.at < at - this.windowMs) this.samples.shift();
  }

  private noteMembership(at: number, g: ClusterView['groups'][number]): void {
    const members = g.members
      .map((m) => ({ id: m.memberId, instance: m.instance, partitions: [...m.assignment] }))
      .sort((a, b) => a.id.localeCompare(b.id));
    // Transitional states show members without assignments; only settled ones are a picture.
    if (g.state !== 'Stable' && g.state !== 'Empty') return;
    const signature = JSON.stringify([g.state, members.map((m) => [m.id, m.partitions.map((p) => `${p.topic}/${p.partition}`)])]);
    if (this.signatures.get(g.groupId) === signature) return;
    const first = !this.signatures.has(g.groupId);
    this.signatures.set(g.groupId, signature);
    // A group already Empty when history starts has no rebalance to show.
    if (first && g.state === 'Empty') return;
    const mine = this.generations.get(g.groupId);
    const generation = mine && members.some((m) => m.id === mine.memberId) ? mine.generation : null;
    this.timeline.push({ at, group: g.groupId, state: g.state, generation, members });
    while (this.timeline.length > this.maxTimeline) this.timeline.shift();
  }

  /** The last full view recorded, if it is at most `maxAgeMs` old. */
  fresh(maxAgeMs: number): ClusterView | undefined {
    return this.latestView && this.now() - this.latestView.at <= maxAgeMs ? this.latestView.view : undefined;
  }

  rebalances(group: string): RebalanceEntry[] {
    return this.timeline.filter((e) => e.group === group);
  }

  series(): readonly HistorySample[] {
    return this.samples;
  }

  instanceIndex(instance: string): number {
    const i = this.instances.indexOf(instance);
    if (i >= 0) return i;
    this.instances.push(instance);
    return this.instances.length - 1;
  }
}
