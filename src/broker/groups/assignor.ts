/**
 * Server-side assignors of KIP-848 consumer groups: the names Kafka's `ServerAssignor` field
 * accepts ("uniform", the default, and "range"), with algorithms of our own (docs/compatibility.md):
 *
 * - uniform: every member first keeps the partitions of its previous target assignment that it
 *   still subscribes to; partitions nobody holds go, in (topic id, partition) order, to the
 *   eligible member with the fewest partitions (ties: lowest member id); then, while some member
 *   has two or more partitions more than another member that could take one of them, one moves
 *   (from the most loaded to the least loaded). The result depends only on the input, moves as
 *   little as balance allows, and with one subscription for all members gives each ⌊P/N⌋ or ⌈P/N⌉.
 * - range: per topic, its subscribers sorted by member id get contiguous ranges, the first
 *   (P mod N) one partition more (Kafka's classic RangeAssignor rule); co-partitioned topics
 *   line up member by member. Not sticky.
 *
 * No rack awareness.
 */

/** topic id -> partitions. */
export type TopicAssignment = Map<string, Set<number>>;

export interface AssignorMember {
  memberId: string;
  /** Ids of the topics the member subscribes to (that exist). */
  topics: ReadonlySet<string>;
  /** Its previous target assignment, for stickiness. */
  previous: TopicAssignment;
}

export interface AssignorInput {
  members: AssignorMember[];
  /** topic id -> partition count, for every topic any member subscribes to. */
  partitionCounts: ReadonlyMap<string, number>;
}

export type AssignorName = 'uniform' | 'range';
export const ASSIGNOR_NAMES: readonly AssignorName[] = ['uniform', 'range'];
export const DEFAULT_ASSIGNOR: AssignorName = 'uniform';

export function isAssignorName(name: string): name is AssignorName {
  return (ASSIGNOR_NAMES as readonly string[]).includes(name);
}

export function assign(name: AssignorName, input: AssignorInput): Map<string, TopicAssignment> {
  return name === 'range' ? rangeAssign(input) : uniformAssign(input);
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function emptyResult(input: AssignorInput): Map<string, TopicAssignment> {
  const out = new Map<string, TopicAssignment>();
  for (const m of [...input.members].sort((a, b) => byId(a.memberId, b.memberId))) out.set(m.memberId, new Map());
  return out;
}

function add(a: TopicAssignment, topicId: string, partition: number): void {
  let s = a.get(topicId);
  if (!s) a.set(topicId, (s = new Set()));
  s.add(partition);
}

function remove(a: TopicAssignment, topicId: string, partition: number): void {
  const s = a.get(topicId);
  if (!s) return;
  s.delete(partition);
  if (s.size === 0) a.delete(topicId);
}

/** Sorted topic ids and partitions, so equal assignments compare and print equal. */
export function normalize(a: TopicAssignment): TopicAssignment {
  const out: TopicAssignment = new Map();
  for (const t of [...a.keys()].sort(byId)) {
    const parts = [...a.get(t)!].sort((x, y) => x - y);
    if (parts.length > 0) out.set(t, new Set(parts));
  }
  return out;
}

function uniformAssign(input: AssignorInput): Map<string, TopicAssignment> {
  const out = emptyResult(input);
  const members = [...input.members].sort((a, b) => byId(a.memberId, b.memberId));
  const load = new Map<string, number>(members.map((m) => [m.memberId, 0]));
  const topics = [...input.partitionCounts.keys()].sort(byId);
  const taken = new Set<string>();
  const key = (t: string, p: number) => `${t}:${p}`;

  // 1. Stickiness: keep what the previous target gave, if still valid and not claimed twice.
  for (const m of members) {
    for (const t of [...m.previous.keys()].sort(byId)) {
      const count = input.partitionCounts.get(t);
      if (count === undefined || !m.topics.has(t)) continue;
      for (const p of [...m.previous.get(t)!].sort((a, b) => a - b)) {
        if (p >= count || taken.has(key(t, p))) continue;
        taken.add(key(t, p));
        add(out.get(m.memberId)!, t, p);
        load.set(m.memberId, load.get(m.memberId)! + 1);
      }
    }
  }

  // 2. Free partitions to the least loaded eligible member.
  for (const t of topics) {
    const eligible = members.filter((m) => m.topics.has(t));
    if (eligible.length === 0) continue;
    for (let p = 0; p < input.partitionCounts.get(t)!; p++) {
      if (taken.has(key(t, p))) continue;
      let best = eligible[0];
      for (const m of eligible) if (load.get(m.memberId)! < load.get(best.memberId)!) best = m;
      taken.add(key(t, p));
      add(out.get(best.memberId)!, t, p);
      load.set(best.memberId, load.get(best.memberId)! + 1);
    }
  }

  // 3. Balance: move single partitions from the most to the least loaded member able to take one.
  // Each move lowers the sum of squared loads, so this ends.
  for (;;) {
    const order = [...members].sort((a, b) => load.get(b.memberId)! - load.get(a.memberId)! || byId(a.memberId, b.memberId));
    let moved = false;
    outer: for (const from of order) {
      for (const to of [...order].reverse()) {
        if (load.get(from.memberId)! - load.get(to.memberId)! < 2) break;
        const fromAssignment = out.get(from.memberId)!;
        // The highest partition of the last topic `to` can take: the end of `from`'s list moves.
        for (const t of [...fromAssignment.keys()].sort(byId).reverse()) {
          if (!to.topics.has(t)) continue;
          const p = Math.max(...fromAssignment.get(t)!);
          remove(fromAssignment, t, p);
          add(out.get(to.memberId)!, t, p);
          load.set(from.memberId, load.get(from.memberId)! - 1);
          load.set(to.memberId, load.get(to.memberId)! + 1);
          moved = true;
          break outer;
        }
      }
    }
    if (!moved) break;
  }

  for (const [id, a] of out) out.set(id, normalize(a));
  return out;
}

function rangeAssign(input: AssignorInput): Map<string, TopicAssignment> {
  const out = emptyResult(input);
  const members = [...input.members].sort((a, b) => byId(a.memberId, b.memberId));
  for (const t of [...input.partitionCounts.keys()].sort(byId)) {
    const subscribers = members.filter((m) => m.topics.has(t));
    if (subscribers.length === 0) continue;
    const count = input.partitionCounts.get(t)!;
    const base = Math.floor(count / subscribers.length);
    const extra = count % subscribers.length;
    let next = 0;
    subscribers.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0);
      for (let k = 0; k < n; k++) add(out.get(m.memberId)!, t, next++);
    });
  }
  for (const [id, a] of out) out.set(id, normalize(a));
  return out;
}
