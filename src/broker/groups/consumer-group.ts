/**
 * One KIP-848 consumer-protocol group (Kafka's ConsumerGroup and ConsumerGroupMember) and the
 * reconciliation of one member towards its target assignment (Kafka's CurrentAssignmentBuilder).
 * Pure state: timers, requests and topic lookups live in consumer-coordinator.ts.
 *
 * Epochs: the group epoch rises whenever what the assignment depends on changes (members, their
 * subscriptions, the subscribed topics' partitions, the assignor); the target assignment is then
 * recomputed at once, so the assignment epoch equals the group epoch after every request (Kafka
 * computes it on the next heartbeat, so "Assigning" is never observed here). A member's epoch
 * reaches the assignment epoch once it has revoked what it must give up; a partition moves to a
 * new owner only after the old owner's heartbeat no longer lists it.
 */
import { normalize, type TopicAssignment } from './assignor.js';

export type MemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';
export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

/** Member epoch of a static member that left for now (-2) and of a leaving member (-1). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;

export function partitionRef(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

export function assignmentFrom(list: { topicId: string; partitions: number[] }[]): TopicAssignment {
  const a: TopicAssignment = new Map();
  for (const t of list) {
    if (t.partitions.length === 0) continue;
    let s = a.get(t.topicId);
    if (!s) a.set(t.topicId, (s = new Set()));
    for (const p of t.partitions) s.add(p);
  }
  return a;
}

export function assignmentList(a: TopicAssignment): { topicId: string; partitions: number[] }[] {
  return [...normalize(a)].map(([topicId, parts]) => ({ topicId, partitions: [...parts] }));
}

export function sameAssignment(a: TopicAssignment, b: TopicAssignment): boolean {
  const x = normalize(a);
  const y = normalize(b);
  if (x.size !== y.size) return false;
  for (const [t, s] of x) {
    const o = y.get(t);
    if (!o || o.size !== s.size) return false;
    for (const p of s) if (!o.has(p)) return false;
  }
  return true;
}

function* partitionsOf(a: TopicAssignment): Generator<[string, number]> {
  for (const [t, s] of a) for (const p of s) yield [t, p];
}

function has(a: TopicAssignment, t: string, p: number): boolean {
  return a.get(t)?.has(p) ?? false;
}

function put(a: TopicAssignment, t: string, p: number): void {
  let s = a.get(t);
  if (!s) a.set(t, (s = new Set()));
  s.add(p);
}

export class ConsumerMember {
  memberEpoch = 0;
  previousMemberEpoch = -1;
  state: MemberState = 'STABLE';
  /** Partitions the member may use now. */
  assigned: TopicAssignment = new Map();
  /** Epoch at which each assigned partition was given (partitionRef -> epoch), for OffsetCommit. */
  readonly assignedAt = new Map<string, number>();
  /** Partitions the member must give up before it moves on. */
  pendingRevocation: TopicAssignment = new Map();
  subscribedTopicNames: string[] = [];
  subscribedTopicRegex: string | null = null;
  serverAssignor: string | null = null;
  rebalanceTimeoutMs = 0;
  sessionTimer: NodeJS.Timeout | null = null;
  rebalanceTimer: NodeJS.Timeout | null = null;

  constructor(
    public memberId: string,
    public instanceId: string | null,
    public rackId: string | null,
    public clientId: string,
    public clientHost: string,
  ) {}

  /** Assigned or pending revocation: what the member may still be consuming. */
  owns(topicId: string, partition: number): boolean {
    return has(this.assigned, topicId, partition) || has(this.pendingRevocation, topicId, partition);
  }
}

export class ConsumerGroup {
  // Kafka 4.4.0 (KAFKA-20268) creates a group at epoch 1 with an empty assignment at epoch 1, so
  // the first computed assignment, and the first member's epoch, is 2.
  groupEpoch = 1;
  assignmentEpoch = 1;
  readonly members = new Map<string, ConsumerMember>();
  /** instance id -> member id of static members. */
  readonly staticMembers = new Map<string, string>();
  /** member id -> target assignment. */
  readonly target = new Map<string, TopicAssignment>();
  /** partitionRef -> member id owning it (assigned or pending revocation). */
  readonly owners = new Map<string, string>();
  /** The subscribed topics as last seen (names, ids, partition counts), to notice changes. */
  metadataKey = '';
  assignorName = 'uniform';
  /** When the last member went (Date.now()); null while it has members or never had one leave. */
  emptySince: number | null = null;

  constructor(readonly groupId: string) {}

  get state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) {
      if (m.state !== 'STABLE' || m.memberEpoch !== this.assignmentEpoch) return 'Reconciling';
    }
    return 'Stable';
  }

  /** Kafka's currentPartitionEpoch: is the partition free for a new owner? */
  ownerOf(topicId: string, partition: number): string | undefined {
    return this.owners.get(partitionRef(topicId, partition));
  }

  private releaseAll(member: ConsumerMember): void {
    for (const [t, p] of partitionsOf(member.assigned)) this.release(member, t, p);
    for (const [t, p] of partitionsOf(member.pendingRevocation)) this.release(member, t, p);
  }

  private release(member: ConsumerMember, t: string, p: number): void {
    const ref = partitionRef(t, p);
    if (this.owners.get(ref) === member.memberId) this.owners.delete(ref);
  }

  private claimAll(member: ConsumerMember): void {
    for (const [t, p] of partitionsOf(member.assigned)) this.owners.set(partitionRef(t, p), member.memberId);
    for (const [t, p] of partitionsOf(member.pendingRevocation)) this.owners.set(partitionRef(t, p), member.memberId);
  }

  /** Sets a member's current assignment, keeping the ownership index right. */
  setCurrent(member: ConsumerMember, assigned: TopicAssignment, pending: TopicAssignment, epoch: number): void {
    this.releaseAll(member);
    for (const [t, p] of partitionsOf(assigned)) {
      const ref = partitionRef(t, p);
      if (!has(member.assigned, t, p)) member.assignedAt.set(ref, epoch);
    }
    // Pending revocation keeps the epoch it was given at: the member may still commit for it.
    for (const ref of [...member.assignedAt.keys()]) {
      const [t, p] = splitRef(ref);
      if (!has(assigned, t, p) && !has(pending, t, p)) member.assignedAt.delete(ref);
    }
    member.assigned = normalize(assigned);
    member.pendingRevocation = normalize(pending);
    this.claimAll(member);
  }

  removeMember(member: ConsumerMember): void {
    this.releaseAll(member);
    this.members.delete(member.memberId);
    this.target.delete(member.memberId);
    if (member.instanceId !== null && this.staticMembers.get(member.instanceId) === member.memberId) {
      this.staticMembers.delete(member.instanceId);
    }
  }

  /** A static member's new incarnation takes over the old one's place, assignment and target. */
  replaceMember(old: ConsumerMember, next: ConsumerMember): void {
    this.releaseAll(old);
    this.members.delete(old.memberId);
    const target = this.target.get(old.memberId);
    this.target.delete(old.memberId);
    next.assigned = old.assigned;
    next.pendingRevocation = old.pendingRevocation;
    for (const [ref, e] of old.assignedAt) next.assignedAt.set(ref, e);
    next.state = old.state;
    next.subscribedTopicNames = old.subscribedTopicNames;
    next.subscribedTopicRegex = old.subscribedTopicRegex;
    next.serverAssignor = old.serverAssignor;
    next.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
    this.members.set(next.memberId, next);
    if (target) this.target.set(next.memberId, target);
    if (next.instanceId !== null) this.staticMembers.set(next.instanceId, next.memberId);
    this.claimAll(next);
  }

  /**
   * Moves a member towards its target (CurrentAssignmentBuilder). `owned` is what its heartbeat
   * lists (null: not sent). Returns true when the member entered UNREVOKED_PARTITIONS now, so
   * the caller starts its rebalance timeout.
   */
  reconcile(member: ConsumerMember, owned: TopicAssignment | null): boolean {
    switch (member.state) {
      case 'STABLE':
        if (member.memberEpoch === this.assignmentEpoch) return false;
        return this.computeNext(member);
      case 'UNREVOKED_PARTITIONS': {
        if (owned === null) return false;
        for (const [t, p] of partitionsOf(member.pendingRevocation)) if (has(owned, t, p)) return false;
        // Revoked at last: the partitions are free for their new owners.
        this.setCurrent(member, member.assigned, new Map(), member.memberEpoch);
        return this.computeNext(member);
      }
      case 'UNRELEASED_PARTITIONS':
        return this.computeNext(member);
    }
  }

  private computeNext(member: ConsumerMember): boolean {
    const target = this.target.get(member.memberId) ?? new Map();
    const keep: TopicAssignment = new Map();
    const revoke: TopicAssignment = new Map();
    for (const [t, p] of partitionsOf(member.assigned)) put(has(target, t, p) ? keep : revoke, t, p);
    // Still pending from before (a new target while revoking) stays pending.
    for (const [t, p] of partitionsOf(member.pendingRevocation)) if (!has(target, t, p)) put(revoke, t, p);

    if (revoke.size > 0) {
      this.setCurrent(member, keep, revoke, member.memberEpoch);
      const entered = member.state !== 'UNREVOKED_PARTITIONS';
      member.state = 'UNREVOKED_PARTITIONS';
      return entered;
    }
    const next: TopicAssignment = new Map(keep);
    let unreleased = false;
    for (const [t, p] of partitionsOf(target)) {
      if (has(keep, t, p)) continue;
      const owner = this.ownerOf(t, p);
      if (owner === undefined || owner === member.memberId) put(next, t, p);
      else unreleased = true;
    }
    if (member.memberEpoch !== this.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = this.assignmentEpoch;
    }
    this.setCurrent(member, next, new Map(), member.memberEpoch);
    member.state = unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE';
    return false;
  }
}

function splitRef(ref: string): [string, number] {
  const at = ref.lastIndexOf(':');
  return [ref.slice(0, at), Number(ref.slice(at + 1))];
}

export function isSubset(owned: TopicAssignment, of: TopicAssignment): boolean {
  for (const [t, p] of partitionsOf(owned)) if (!has(of, t, p)) return false;
  return true;
}
