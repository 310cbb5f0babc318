import type { ClusterHistory, RebalanceEntry } from '../kafka/cluster-history.js';
import type { StoredMessage } from '../messages/store.js';
import { partitionKey } from '../broker/index.js';

/**
 * The guided tour on Home: the ported demo's steps as a checklist that ticks itself from what
 * this instance and the broker really did (acknowledged sends, consumed messages, the group's
 * rebalances as DescribeGroups showed them), never from clicks on the tour itself.
 */
export type TourStepId = 'sent' | 'consumed' | 'replayed' | 'split' | 'moved';
export const TOUR_STEPS: readonly TourStepId[] = ['sent', 'consumed', 'replayed', 'split', 'moved'];

export interface TourStep {
  id: TourStepId;
  done: boolean;
  /** When it was first observed (ISO 8601). */
  at: string | null;
  /** What was observed, for the step's detail line (names are user data: escaped by the view). */
  detail: Record<string, string | number> | null;
}

/** Records seen per group, bounded: enough to notice a replay without growing forever. */
const MAX_SEEN = 100_000;

export class TourTracker {
  private sentAt: Date | undefined;
  private consumedAt: Date | undefined;
  private replay: { at: Date; group: string; first: string; partition: number; offset: string } | undefined;
  private readonly firstGroup = new Map<string, string>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  sent(): void {
    this.sentAt ??= this.now();
  }

  consumed(m: StoredMessage): void {
    this.consumedAt ??= this.now();
    if (this.replay) return;
    const key = `${m.topic}/${m.partition}@${m.offset}`;
    const first = this.firstGroup.get(key);
    if (first === undefined) {
      if (this.firstGroup.size < MAX_SEEN) this.firstGroup.set(key, m.group);
    } else if (first !== m.group) {
      this.replay = { at: this.now(), group: m.group, first, partition: m.partition, offset: m.offset };
      this.firstGroup.clear();
    }
  }

  steps(history: ClusterHistory | undefined, groups: string[]): TourStep[] {
    const timeline = history ? groups.flatMap((g) => history.rebalances(g)) : [];
    const split = timeline.find((e) => e.members.filter((m) => m.partitions.length > 0).length >= 2);
    const moved = findMove(groups.map((g) => (history ? history.rebalances(g) : [])));
    const iso = (d: Date | number | undefined) => (d === undefined ? null : new Date(d).toISOString());
    const name = (m: RebalanceEntry['members'][number]) => m.instance ?? m.id;
    return [
      { id: 'sent', done: !!this.sentAt, at: iso(this.sentAt), detail: null },
      { id: 'consumed', done: !!this.consumedAt, at: iso(this.consumedAt), detail: null },
      {
        id: 'replayed',
        done: !!this.replay,
        at: iso(this.replay?.at),
        detail: this.replay ? { group: this.replay.group, first: this.replay.first, partition: this.replay.partition, offset: this.replay.offset } : null,
      },
      { id: 'split', done: !!split, at: iso(split?.at), detail: split ? { group: split.group, members: split.members.map(name).join(', ') } : null },
      { id: 'moved', done: !!moved, at: iso(moved?.at), detail: moved ? { group: moved.group, gone: moved.gone, partitions: moved.partitions, to: moved.to } : null },
    ];
  }
}

/**
 * A member that owned partitions in one settled picture of a group and is gone from the next,
 * with its partitions owned by the members that stayed: a stop (LeaveGroup) or a crash (session
 * expiry) whose work moved.
 */
function findMove(perGroup: RebalanceEntry[][]): { at: number; group: string; gone: string; partitions: string; to: string } | undefined {
  for (const entries of perGroup) {
    for (let i = 1; i < entries.length; i++) {
      const before = entries[i - 1]!;
      const after = entries[i]!;
      if (after.members.length === 0) continue;
      const stayed = new Set(after.members.map((m) => m.id));
      for (const m of before.members) {
        if (stayed.has(m.id) || m.partitions.length === 0) continue;
        const owners = new Map<string, string>();
        for (const s of after.members) for (const p of s.partitions) owners.set(partitionKey(p.topic, p.partition), s.instance ?? s.id);
        const taken = m.partitions.map((p) => owners.get(partitionKey(p.topic, p.partition)));
        if (taken.every((o) => o !== undefined)) {
          return {
            at: after.at,
            group: after.group,
            gone: m.instance ?? m.id,
            partitions: m.partitions.map((p) => `${p.topic}:${p.partition}`).join(', '),
            to: [...new Set(taken as string[])].join(', '),
          };
        }
      }
    }
  }
  return undefined;
}
