import { randomUUID } from 'node:crypto';
import { DEFAULT_BROKER_CONFIG } from '../config.js';
import type { BrokerLogger } from '../logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { ConsumerGroupCoordinator, NO_TOPICS, type TopicCatalog } from './consumer-coordinator.js';
import { EMPTY_BYTES, Group, Member } from './group.js';
import type {
  GroupDescription,
  GroupListing,
  GroupOffsetStore,
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupOutcome,
  LeaveGroupOutcome,
  LeavingMember,
  OffsetCommitEntry,
  OffsetCommitInput,
  OffsetFetchOutcome,
  OffsetFetchPartition,
  SyncGroupInput,
  SyncGroupOutcome,
} from './types.js';

/** Kafka's offset.metadata.max.bytes default. */
export const DEFAULT_MAX_OFFSET_METADATA_BYTES = 4096;

export interface GroupCoordinatorOptions {
  offsets: GroupOffsetStore;
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  logger: BrokerLogger;
  maxOffsetMetadataBytes?: number;
  /** Topics, for consumer-protocol (KIP-848) groups' assignments; none when not given. */
  topics?: TopicCatalog;
  consumerSessionTimeoutMs?: number;
  consumerHeartbeatIntervalMs?: number;
}

function joinError(memberId: string, errorCode: number): JoinGroupOutcome {
  return { errorCode, generationId: -1, protocolName: '', protocolType: null, leader: '', memberId, members: [] };
}

function syncError(errorCode: number): SyncGroupOutcome {
  return { errorCode, assignment: EMPTY_BYTES };
}

/**
 * Kafka's classic group coordinator (AK GroupCoordinator.scala), for one node and in memory.
 * Group membership lives only here; committed offsets go through the offset store.
 *
 * Rejoin policy: like Kafka, a follower that rejoins a Stable group with unchanged protocols is
 * handed the current generation without a rebalance, while a rejoining leader or changed metadata
 * always starts one (the leader uses a rejoin to force reassignment after topic changes).
 *
 * Static members (group.instance.id) are supported in a simplified form: a new join with a known
 * instance id takes over the old member (fencing it) and then rebalances, where Kafka may skip the
 * rebalance.
 */
/** The topics a classic consumer group's members subscribe to (ConsumerProtocol subscription, any version). */
function subscribedTopics(group: Group): Set<string> {
  const topics = new Set<string>();
  for (const m of group.members.values()) {
    const meta = m.metadataFor(group.protocolName ?? '');
    try {
      if (meta.length < 6) continue;
      let at = 2; // version
      const n = meta.readInt32BE(at);
      at += 4;
      for (let i = 0; i < n && at + 2 <= meta.length; i++) {
        const len = meta.readInt16BE(at);
        at += 2;
        topics.add(meta.toString('utf8', at, at + len));
        at += len;
      }
    } catch {
      // Unreadable metadata subscribes to nothing we can name.
    }
  }
  return topics;
}

/** Kafka's offsets.retention.check.interval.ms: how long an emptied group without offsets stays. */
const EMPTY_GROUP_RETENTION_MS = 600_000;
const EMPTY_GROUP_SWEEP_MS = 60_000;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly offsets: GroupOffsetStore;
  private readonly log: BrokerLogger;
  private readonly initialRebalanceDelayMs: number;
  private readonly minSessionTimeoutMs: number;
  private readonly maxSessionTimeoutMs: number;
  private readonly maxOffsetMetadataBytes: number;
  private closed = false;
  /** Groups that emptied after having had a generation, with when: kept (Empty) like Kafka's. */
  private readonly emptied = new Map<Group, number>();
  private readonly sweeper: NodeJS.Timeout;
  /** KIP-848 consumer-protocol groups; a group id names a classic group or a consumer group. */
  readonly consumer: ConsumerGroupCoordinator;

  constructor(options: GroupCoordinatorOptions) {
    this.consumer = new ConsumerGroupCoordinator({
      sessionTimeoutMs: options.consumerSessionTimeoutMs ?? DEFAULT_BROKER_CONFIG.consumerSessionTimeoutMs,
      heartbeatIntervalMs: options.consumerHeartbeatIntervalMs ?? DEFAULT_BROKER_CONFIG.consumerHeartbeatIntervalMs,
      logger: options.logger,
      topics: options.topics ?? NO_TOPICS,
      classic: {
        state: (groupId) => {
          const g = this.groups.get(groupId);
          if (!g) return this.offsets.forGroup(groupId).length > 0 ? 'empty' : 'none';
          return g.state === 'Empty' && g.members.size === 0 && g.pending.size === 0 ? 'empty' : 'active';
        },
        drop: (groupId) => this.dropClassic(groupId),
      },
    });
    this.sweeper = setInterval(() => this.sweepEmptied(Date.now()), EMPTY_GROUP_SWEEP_MS);
    this.sweeper.unref();
    this.offsets = options.offsets;
    this.log = options.logger;
    this.initialRebalanceDelayMs = Math.max(0, options.initialRebalanceDelayMs);
    this.minSessionTimeoutMs = options.minSessionTimeoutMs;
    this.maxSessionTimeoutMs = options.maxSessionTimeoutMs;
    this.maxOffsetMetadataBytes = options.maxOffsetMetadataBytes ?? DEFAULT_MAX_OFFSET_METADATA_BYTES;
  }

  // ---------------------------------------------------------------- JoinGroup

  joinGroup(req: JoinGroupInput): Promise<JoinGroupOutcome> {
    if (this.closed) return Promise.resolve(joinError(req.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (req.groupId === '') return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
    if (req.sessionTimeoutMs < this.minSessionTimeoutMs || req.sessionTimeoutMs > this.maxSessionTimeoutMs) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    // Metadata arrives as views into the request frame; the group keeps it past this request.
    const protocols = req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
    // -1 is the spec's "not given"; like Kafka, the session timeout stands in for it.
    const rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
    const input: JoinGroupInput = { ...req, protocols, rebalanceTimeoutMs };

    const consumerGroup = this.consumer.get(req.groupId);
    if (consumerGroup) {
      // Kafka 4.4.0 lets classic members into a consumer group (mixed groups); we do not.
      if (consumerGroup.members.size > 0) return Promise.resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      this.consumer.drop(req.groupId);
    }
    const isNewMember = req.memberId === '';
    let group = this.groups.get(req.groupId);
    if (!group) {
      // A member id for a group that does not exist can only be stale.
      if (!isNewMember) return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new Group(req.groupId);
      this.groups.set(req.groupId, group);
    }

    const result = isNewMember ? this.joinNewMember(group, input) : this.joinKnownMember(group, input);
    this.tryCompleteJoin(group);
    this.maybeForget(group);
    return result;
  }

  private joinNewMember(group: Group, req: JoinGroupInput): Promise<JoinGroupOutcome> {
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newId = `${req.groupInstanceId ?? req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const oldId = group.staticMembers.get(req.groupInstanceId);
      if (oldId !== undefined) return this.replaceStaticMember(group, oldId, newId, req);
      return this.addMemberAndRebalance(group, newId, req);
    }
    if (req.requireKnownMemberId) {
      // The id is only promised: the member joins for real when it comes back with it.
      const timer = setTimeout(() => this.onPendingMemberExpired(group, newId), req.sessionTimeoutMs);
      timer.unref();
      group.pending.set(newId, timer);
      this.log.debug({ group: group.groupId, memberId: newId }, 'new member must rejoin with its assigned id');
      return Promise.resolve(joinError(newId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    return this.addMemberAndRebalance(group, newId, req);
  }

  private joinKnownMember(group: Group, req: JoinGroupInput): Promise<JoinGroupOutcome> {
    const { memberId } = req;
    if (!group.supportsProtocols(req.protocolType, req.protocols)) {
      return Promise.resolve(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.pending.has(memberId)) return this.addMemberAndRebalance(group, memberId, req);

    const err = this.validateMember(group, memberId, req.groupInstanceId);
    if (err !== ErrorCode.NONE) return Promise.resolve(joinError(memberId, err));
    const member = group.members.get(memberId)!;

    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, req);
      case 'CompletingRebalance':
        if (member.matches(req.protocols)) {
          // Most likely the member missed our JoinGroup response: repeat it.
          this.armSession(group, member);
          return Promise.resolve(this.joinSuccess(group, member));
        }
        return this.updateMemberAndRebalance(group, member, req);
      case 'Stable':
        if (group.isLeader(memberId) || !member.matches(req.protocols)) {
          return this.updateMemberAndRebalance(group, member, req);
        }
        this.armSession(group, member);
        return Promise.resolve(this.joinSuccess(group, member));
      default:
        // Empty or Dead with this member still listed cannot happen; make the member start over.
        return Promise.resolve(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private joinSuccess(group: Group, member: Member): JoinGroupOutcome {
    const protocol = group.protocolName ?? '';
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: protocol,
      protocolType: group.protocolType,
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: group.isLeader(member.memberId)
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.metadataFor(protocol),
          }))
        : [],
    };
  }

  private parkJoin(member: Member): Promise<JoinGroupOutcome> {
    // A member re-sending JoinGroup has given up on the earlier one; answer that one so it is not leaked.
    const previous = member.joinWaiter;
    const promise = new Promise<JoinGroupOutcome>((resolve) => {
      member.joinWaiter = resolve;
    });
    previous?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    return promise;
  }

  private addMemberAndRebalance(group: Group, memberId: string, req: JoinGroupInput): Promise<JoinGroupOutcome> {
    const member = new Member(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.sessionTimeoutMs,
      req.rebalanceTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    if (group.state === 'PreparingRebalance' && group.initialDelayActive) group.newMemberAdded = true;
    if (group.members.size === 0) group.protocolType = req.protocolType;
    if (group.leaderId === null) group.leaderId = memberId;
    const pendingTimer = group.pending.get(memberId);
    if (pendingTimer) {
      clearTimeout(pendingTimer);
      group.pending.delete(memberId);
    }
    group.members.set(memberId, member);
    if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, memberId);
    this.log.info({ group: group.groupId, memberId, clientId: req.clientId }, 'member joining group');
    const result = this.parkJoin(member);
    this.maybePrepareRebalance(group, `new member ${memberId}`);
    return result;
  }

  private updateMemberAndRebalance(group: Group, member: Member, req: JoinGroupInput): Promise<JoinGroupOutcome> {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    const result = this.parkJoin(member);
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoining`);
    return result;
  }

  private replaceStaticMember(group: Group, oldId: string, newId: string, req: JoinGroupInput): Promise<JoinGroupOutcome> {
    const member = group.members.get(oldId)!;
    // Whoever still waits under the old id is a stale instance: fence it.
    const join = member.joinWaiter;
    const sync = member.syncWaiter;
    member.joinWaiter = null;
    member.syncWaiter = null;
    join?.(joinError(oldId, ErrorCode.FENCED_INSTANCE_ID));
    sync?.(syncError(ErrorCode.FENCED_INSTANCE_ID));

    group.members.delete(oldId);
    group.pendingSync.delete(oldId);
    member.memberId = newId;
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    group.members.set(newId, member);
    group.staticMembers.set(req.groupInstanceId!, newId);
    if (group.leaderId === oldId) group.leaderId = newId;
    this.log.info({ group: group.groupId, oldId, newId }, 'static member replaced');
    const result = this.parkJoin(member);
    this.maybePrepareRebalance(group, `static member ${req.groupInstanceId} rejoined`);
    return result;
  }

  // ---------------------------------------------------------------- rebalance machinery

  private maybePrepareRebalance(group: Group, reason: string): void {
    if (group.state === 'Stable' || group.state === 'CompletingRebalance' || group.state === 'Empty') {
      this.prepareRebalance(group, reason);
    }
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.state === 'CompletingRebalance') {
      // Parked followers must rejoin: the assignment they wait for will never come.
      for (const m of group.members.values()) {
        m.assignment = EMPTY_BYTES;
        this.answerSync(group, m, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    this.clearSyncTimer(group);
    group.pendingSync.clear();
    this.clearJoinTimer(group);

    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    this.log.info({ group: group.groupId, generation: group.generationId, reason }, 'preparing to rebalance group');
    if (wasEmpty) {
      // Give the other members of a starting group a moment to arrive, so the first generation
      // does not hand everything to the first joiner and then rebalance again straight away.
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      const delay = this.initialRebalanceDelayMs;
      this.scheduleInitialJoin(group, delay, Math.max(group.rebalanceTimeoutMs - delay, 0));
    } else {
      this.setJoinTimer(group, group.rebalanceTimeoutMs, () => this.completeJoin(group));
      this.tryCompleteJoin(group);
    }
  }

  private scheduleInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    this.setJoinTimer(group, delayMs, () => {
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const next = Math.min(this.initialRebalanceDelayMs, remainingMs);
        this.scheduleInitialJoin(group, next, remainingMs - next);
      } else {
        this.completeJoin(group);
      }
    });
  }

  private setJoinTimer(group: Group, ms: number, fn: () => void): void {
    this.clearJoinTimer(group);
    const timer = setTimeout(() => {
      if (group.joinTimer !== timer) return;
      group.joinTimer = null;
      fn();
    }, ms);
    timer.unref();
    group.joinTimer = timer;
  }

  private clearJoinTimer(group: Group): void {
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.joinTimer = null;
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state === 'PreparingRebalance' && !group.initialDelayActive && group.allMembersJoined()) {
      this.completeJoin(group);
    }
  }

  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    this.clearJoinTimer(group);
    group.initialDelayActive = false;
    group.newMemberAdded = false;

    // Dynamic members that did not rejoin in time are gone; static ones keep their place.
    for (const m of [...group.members.values()]) {
      if (!m.joinWaiter && m.groupInstanceId === null) {
        this.log.info({ group: group.groupId, memberId: m.memberId }, 'member did not rejoin in time, removing it');
        this.removeMember(group, m);
      }
    }

    if (group.members.size > 0) {
      const leader = group.leaderId !== null ? group.members.get(group.leaderId) : undefined;
      if (!leader?.joinWaiter) {
        const joined = [...group.members.values()].find((m) => m.joinWaiter);
        if (!joined) {
          // Only static members remain and none came back: wait another round for them.
          this.setJoinTimer(group, group.rebalanceTimeoutMs, () => this.completeJoin(group));
          return;
        }
        group.leaderId = joined.memberId;
      }
    }

    group.generationId += 1;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.state = 'Empty';
      this.log.info({ group: group.groupId, generation: group.generationId }, 'group is now empty');
      this.maybeForget(group);
      return;
    }

    group.protocolName = group.selectProtocol();
    group.state = 'CompletingRebalance';
    this.log.info(
      {
        group: group.groupId,
        generation: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        members: group.members.size,
      },
      'group rebalanced, awaiting assignment from the leader',
    );
    for (const m of group.members.values()) {
      const waiter = m.joinWaiter;
      m.joinWaiter = null;
      waiter?.(this.joinSuccess(group, m));
      this.armSession(group, m);
      group.pendingSync.add(m.memberId);
    }
    const generation = group.generationId;
    this.clearSyncTimer(group);
    const timer = setTimeout(() => this.onSyncExpired(group, generation), group.rebalanceTimeoutMs);
    timer.unref();
    group.syncTimer = timer;
  }

  private clearSyncTimer(group: Group): void {
    if (group.syncTimer) clearTimeout(group.syncTimer);
    group.syncTimer = null;
  }

  /** Members that received the new generation but never sent SyncGroup are dropped. */
  private onSyncExpired(group: Group, generation: number): void {
    group.syncTimer = null;
    if (this.groups.get(group.groupId) !== group || generation !== group.generationId) return;
    if (group.state !== 'CompletingRebalance' && group.state !== 'Stable') return;
    if (group.pendingSync.size === 0) return;
    const missing = [...group.pendingSync];
    this.log.info({ group: group.groupId, members: missing }, 'members did not sync in time, removing them');
    for (const id of missing) {
      const m = group.members.get(id);
      if (!m) continue;
      this.answerJoin(m, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
      this.answerSync(group, m, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      this.removeMember(group, m);
    }
    this.prepareRebalance(group, 'members failed to sync');
  }

  private markSynced(group: Group, memberId: string): void {
    group.pendingSync.delete(memberId);
    if (group.pendingSync.size === 0) this.clearSyncTimer(group);
  }

  private answerJoin(member: Member, outcome: JoinGroupOutcome): void {
    const waiter = member.joinWaiter;
    member.joinWaiter = null;
    waiter?.(outcome);
  }

  /** Answers a parked SyncGroup; the member's session clock restarts from the answer. */
  private answerSync(group: Group, member: Member, outcome: SyncGroupOutcome): void {
    const waiter = member.syncWaiter;
    if (!waiter) return;
    member.syncWaiter = null;
    waiter(outcome);
    this.armSession(group, member);
  }

  /** Drops the member from every index. Does not answer its parked requests or rebalance. */
  private removeMember(group: Group, member: Member): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    group.members.delete(member.memberId);
    group.pendingSync.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) {
      group.staticMembers.delete(member.groupInstanceId);
    }
    if (group.leaderId === member.memberId) {
      const next = group.members.keys().next();
      group.leaderId = next.done ? null : next.value;
    }
  }

  /** A member leaves or expires: answer what it has parked, then let the group react. */
  private removeMemberAndUpdateGroup(group: Group, member: Member, reason: string): void {
    this.answerJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    const sync = member.syncWaiter;
    member.syncWaiter = null;
    sync?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    this.removeMember(group, member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
      default:
        break;
    }
  }

  private armSession(group: Group, member: Member): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    const timer = setTimeout(() => this.onSessionExpired(group, member), member.sessionTimeoutMs);
    timer.unref();
    member.sessionTimer = timer;
  }

  private onSessionExpired(group: Group, member: Member): void {
    member.sessionTimer = null;
    if (this.groups.get(group.groupId) !== group || group.members.get(member.memberId) !== member) return;
    // A member blocked in JoinGroup or SyncGroup is waiting on us, not dead; its clock restarts
    // when that request is answered.
    if (member.awaiting) return;
    this.log.info({ group: group.groupId, memberId: member.memberId }, 'member session expired, removing it');
    this.removeMemberAndUpdateGroup(group, member, `session of ${member.memberId} expired`);
    this.maybeForget(group);
  }

  private onPendingMemberExpired(group: Group, memberId: string): void {
    if (!group.pending.delete(memberId)) return;
    this.log.debug({ group: group.groupId, memberId }, 'pending member never rejoined');
    this.tryCompleteJoin(group);
    this.maybeForget(group);
  }

  /** Errors for a request that names a member (Kafka's validateCurrentMember). */
  private validateMember(group: Group, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      return ErrorCode.NONE;
    }
    return group.members.has(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /**
   * Drops the record of a group that has nothing left worth listing: no members, no members in
   * the middle of the MEMBER_ID_REQUIRED handshake and no committed offsets (Kafka's periodic
   * cleanup does the same).
   */
  private maybeForget(group: Group, now?: number): void {
    if (group.state !== 'Empty' || group.members.size > 0 || group.pending.size > 0) return;
    if (this.groups.get(group.groupId) !== group) return;
    if (this.offsets.forGroup(group.groupId).length > 0) return;
    // A group that had members stays listed and describable as Empty (with its protocol type)
    // until Kafka's periodic cleanup would drop it, so tools see what they see on Kafka.
    if (now === undefined && group.generationId > 0) {
      this.emptied.set(group, Date.now());
      return;
    }
    this.emptied.delete(group);
    this.groups.delete(group.groupId);
    group.state = 'Dead';
  }

  private sweepEmptied(now: number): void {
    this.consumer.sweep(now, EMPTY_GROUP_RETENTION_MS, (id) => this.offsets.forGroup(id).length > 0);
    for (const [group, since] of [...this.emptied]) {
      if (this.groups.get(group.groupId) !== group || group.state !== 'Empty' || group.members.size > 0) {
        this.emptied.delete(group);
        continue;
      }
      if (now - since >= EMPTY_GROUP_RETENTION_MS) this.maybeForget(group, now);
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  syncGroup(req: SyncGroupInput): Promise<SyncGroupOutcome> {
    if (this.closed) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (req.groupId === '') return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    // A consumer-protocol group has no classic members to sync.
    if (this.consumer.get(req.groupId)) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const group = this.groups.get(req.groupId);
    if (!group) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const err = this.validateMember(group, req.memberId, req.groupInstanceId);
    if (err !== ErrorCode.NONE) return Promise.resolve(syncError(err));
    if (req.generationId !== group.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    const member = group.members.get(req.memberId)!;

    switch (group.state) {
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'CompletingRebalance': {
        const previous = member.syncWaiter;
        const result = new Promise<SyncGroupOutcome>((resolve) => {
          member.syncWaiter = resolve;
        });
        previous?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        this.markSynced(group, member.memberId);
        if (group.isLeader(member.memberId)) this.completeSync(group, req.assignments);
        return result;
      }
      case 'Stable':
        this.markSynced(group, member.memberId);
        this.armSession(group, member);
        return Promise.resolve({ errorCode: ErrorCode.NONE, assignment: member.assignment });
      default:
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private completeSync(group: Group, assignments: SyncGroupInput['assignments']): void {
    const byMember = new Map<string, Buffer>();
    for (const a of assignments) byMember.set(a.memberId, a.assignment);
    for (const m of group.members.values()) {
      const bytes = byMember.get(m.memberId);
      // Members the leader left out get an empty assignment, as in Kafka.
      m.assignment = bytes ? Buffer.from(bytes) : EMPTY_BYTES;
    }
    group.state = 'Stable';
    this.log.info(
      { group: group.groupId, generation: group.generationId, members: group.members.size },
      'group is stable',
    );
    for (const m of group.members.values()) {
      this.answerSync(group, m, { errorCode: ErrorCode.NONE, assignment: m.assignment });
    }
  }

  // ---------------------------------------------------------------- Heartbeat

  heartbeat(req: HeartbeatInput): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    if (this.consumer.get(req.groupId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    const group = this.groups.get(req.groupId);
    if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
    const err = this.validateMember(group, req.memberId, req.groupInstanceId);
    if (err !== ErrorCode.NONE) return err;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(req.memberId)!;
    switch (group.state) {
      case 'PreparingRebalance':
        // This is how members learn they must rejoin; they are alive, so the clock still restarts.
        this.armSession(group, member);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case 'CompletingRebalance':
      case 'Stable':
        this.armSession(group, member);
        return ErrorCode.NONE;
      default:
        return ErrorCode.UNKNOWN_MEMBER_ID;
    }
  }

  // ---------------------------------------------------------------- LeaveGroup

  leaveGroup(groupId: string, leaving: LeavingMember[]): LeaveGroupOutcome {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const consumerGroup = this.consumer.get(groupId);
    if (consumerGroup) {
      return {
        errorCode: ErrorCode.NONE,
        members: leaving.map((l) => ({ ...l, errorCode: this.consumer.removeByLeaveGroup(consumerGroup, l.memberId, l.groupInstanceId) })),
      };
    }
    const group = this.groups.get(groupId);
    const results: LeaveGroupOutcome['members'] = [];
    for (const l of leaving) {
      results.push({ memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode: group ? this.leaveOne(group, l) : ErrorCode.UNKNOWN_MEMBER_ID });
    }
    if (group) this.maybeForget(group);
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private leaveOne(group: Group, l: LeavingMember): number {
    let memberId = l.memberId;
    if (memberId === '') {
      // Admin removal of a static member names only its instance id.
      const current = l.groupInstanceId !== null ? group.staticMembers.get(l.groupInstanceId) : undefined;
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      memberId = current;
    } else if (group.pending.has(memberId)) {
      clearTimeout(group.pending.get(memberId));
      group.pending.delete(memberId);
      this.tryCompleteJoin(group);
      return ErrorCode.NONE;
    } else {
      const err = this.validateMember(group, memberId, l.groupInstanceId);
      if (err !== ErrorCode.NONE) return err;
    }
    const member = group.members.get(memberId)!;
    this.log.info({ group: group.groupId, memberId }, 'member left group');
    this.removeMemberAndUpdateGroup(group, member, `member ${memberId} left`);
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- offsets

  /**
   * Validates and stores a commit. Returns one error code per entry, in order. Topic existence is
   * the caller's job (it knows the logs); this checks membership, generation and metadata size.
   */
  async commitOffsets(req: OffsetCommitInput): Promise<number[]> {
    const all = (code: number) => req.entries.map(() => code);
    if (this.closed) return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const consumerGroup = this.consumer.get(req.groupId);
    if (consumerGroup) {
      const codes = this.consumer.validateCommit(
        consumerGroup,
        { memberId: req.memberId, generationId: req.generationId, apiVersion: req.apiVersion ?? 9 },
        req.entries,
      );
      return this.storeCommit(req, codes);
    }
    let group = this.groups.get(req.groupId);
    if (!group) {
      // Without group management (admin tools, assign()-mode consumers) commits use generation -1.
      if (req.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
      group = new Group(req.groupId);
      this.groups.set(req.groupId, group);
    }
    const err = this.validateCommit(group, req);
    if (err !== ErrorCode.NONE) {
      this.maybeForget(group);
      return all(err);
    }
    if (group.state === 'CompletingRebalance') return all(ErrorCode.REBALANCE_IN_PROGRESS);
    if (group.state === 'Stable' || group.state === 'PreparingRebalance') {
      // Commits are accepted while preparing a rebalance; the heartbeat's 27 makes the member rejoin.
      const member = group.members.get(req.memberId);
      if (member) this.armSession(group, member);
    }

    const codes = await this.storeCommit(req, all(ErrorCode.NONE));
    this.maybeForget(group);
    return codes;
  }

  /** Stores the entries whose code is NONE (metadata size permitting); returns the final codes. */
  private async storeCommit(req: OffsetCommitInput, codes: number[]): Promise<number[]> {
    const accepted: OffsetCommitEntry[] = [];
    const acceptedAt: number[] = [];
    req.entries.forEach((e, i) => {
      if (codes[i] !== ErrorCode.NONE) return;
      if (e.metadata !== null && Buffer.byteLength(e.metadata) > this.maxOffsetMetadataBytes) {
        codes[i] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
      } else {
        accepted.push(e);
        acceptedAt.push(i);
      }
    });
    if (accepted.length > 0) {
      try {
        await this.offsets.commit(req.groupId, accepted);
      } catch (e) {
        this.log.error({ err: e, group: req.groupId }, 'storing committed offsets failed');
        for (const i of acceptedAt) codes[i] = ErrorCode.UNKNOWN_SERVER_ERROR;
      }
    }
    return codes;
  }

  private validateCommit(group: Group, req: OffsetCommitInput): number {
    if (req.generationId < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (req.generationId >= 0 || req.memberId !== '' || req.groupInstanceId !== null) {
      const err = this.validateMember(group, req.memberId, req.groupInstanceId);
      if (err !== ErrorCode.NONE) return err;
      return req.generationId === group.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    }
    // Generation -1 from outside: only allowed while nobody owns the group's partitions.
    return group.state === 'Empty' ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  /** Committed offsets; `topics` null means every partition the group has committed. No membership check. */
  fetchOffsets(
    groupId: string,
    topics: { topic: string; partitions: number[] }[] | null,
    member: { memberId: string | null; memberEpoch: number } = { memberId: null, memberEpoch: -1 },
  ): OffsetFetchOutcome {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    // OffsetFetch v9's member id and epoch are checked for consumer-protocol groups only, as in Kafka.
    const consumerGroup = this.consumer.get(groupId);
    if (consumerGroup) {
      const err = this.consumer.validateFetch(consumerGroup, member.memberId, member.memberEpoch);
      if (err !== ErrorCode.NONE) return { errorCode: err, topics: [] };
    }
    if (topics === null) {
      const byTopic = new Map<string, OffsetFetchPartition[]>();
      for (const { topic, partition, committed } of this.offsets.forGroup(groupId)) {
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ partition, offset: committed.offset, metadata: committed.metadata ?? '', errorCode: ErrorCode.NONE });
      }
      return {
        errorCode: ErrorCode.NONE,
        topics: [...byTopic].map(([topic, partitions]) => ({
          topic,
          partitions: partitions.sort((a, b) => a.partition - b.partition),
        })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((partition) => {
          const c = this.offsets.get(groupId, t.topic, partition);
          return c
            ? { partition, offset: c.offset, metadata: c.metadata ?? '', errorCode: ErrorCode.NONE }
            : { partition, offset: -1n, metadata: '', errorCode: ErrorCode.NONE };
        }),
      })),
    };
  }

  // ---------------------------------------------------------------- admin

  describeGroup(groupId: string): GroupDescription {
    const base = { groupId, protocolType: '', protocol: '', generationId: 0, leader: null, members: [] };
    if (this.closed) return { ...base, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, state: 'Dead' };
    // Kafka 4.4.0 answers DescribeGroups v0-5 about a consumer-protocol group as Dead, no error.
    if (this.consumer.get(groupId)) return { ...base, errorCode: ErrorCode.NONE, state: 'Dead' };
    const group = this.groups.get(groupId);
    if (!group) {
      // Offsets alone (e.g. after a restart, or from standalone commits) make an Empty group.
      const known = this.offsets.forGroup(groupId).length > 0;
      return { ...base, errorCode: ErrorCode.NONE, state: known ? 'Empty' : 'Dead' };
    }
    const stable = group.state === 'Stable';
    const protocol = stable ? (group.protocolName ?? '') : '';
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocol,
      generationId: group.generationId,
      leader: group.leaderId,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(protocol) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  listGroups(): GroupListing[] {
    const out = new Map<string, GroupListing>();
    for (const g of this.groups.values()) {
      out.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, type: 'classic' });
    }
    for (const g of this.consumer.groups.values()) {
      out.set(g.groupId, { groupId: g.groupId, protocolType: 'consumer', state: g.state, type: 'consumer' });
    }
    for (const id of this.offsets.groups()) {
      if (!out.has(id)) out.set(id, { groupId: id, protocolType: '', state: 'Empty', type: 'classic' });
    }
    return [...out.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  /**
   * OffsetDelete, as Kafka's classic coordinator does it: an unknown group is GROUP_ID_NOT_FOUND;
   * an Empty group loses the offsets asked for; a consumer group with members keeps the offsets of
   * topics its members subscribe to (GROUP_SUBSCRIBED_TO_TOPIC) and loses the others; a non-empty
   * group of another protocol type is NON_EMPTY_GROUP.
   */
  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[],
  ): Promise<{ errorCode: number; topics: { name: string; partitions: { index: number; errorCode: number }[] }[] }> {
    const none = { topics: [] as { name: string; partitions: { index: number; errorCode: number }[] }[] };
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, ...none };
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, ...none };
    const group = this.groups.get(groupId);
    const consumerGroup = this.consumer.get(groupId);
    if (!group && !consumerGroup && this.offsets.forGroup(groupId).length === 0) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, ...none };
    let subscribed = new Set<string>();
    if (consumerGroup) {
      subscribed = this.consumer.subscribedTopics(consumerGroup);
    } else if (group && group.state !== 'Empty') {
      if (group.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, ...none };
      subscribed = subscribedTopics(group);
    }
    const doomed: { topic: string; partition: number }[] = [];
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((index) => {
        if (subscribed.has(t.name)) return { index, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        doomed.push({ topic: t.name, partition: index });
        return { index, errorCode: ErrorCode.NONE };
      }),
    }));
    try {
      await this.offsets.deletePartitions(groupId, doomed);
    } catch (e) {
      this.log.error({ err: e, group: groupId }, 'deleting group offsets failed');
      return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, ...none };
    }
    if (group) this.maybeForget(group);
    return { errorCode: ErrorCode.NONE, topics: out };
  }

  /** Deletes groups that have no members, with their committed offsets. */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const results: { groupId: string; errorCode: number }[] = [];
    for (const groupId of groupIds) {
      results.push({ groupId, errorCode: await this.deleteGroup(groupId) });
    }
    return results;
  }

  async deleteGroup(groupId: string): Promise<number> {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const consumerGroup = this.consumer.get(groupId);
    const group = this.groups.get(groupId);
    if (consumerGroup) {
      if (consumerGroup.members.size > 0) return ErrorCode.NON_EMPTY_GROUP;
      this.consumer.drop(groupId);
    } else if (group) {
      if (group.state !== 'Empty') return ErrorCode.NON_EMPTY_GROUP;
      this.dropClassic(groupId);
    } else if (!this.offsets.groups().includes(groupId)) {
      return ErrorCode.GROUP_ID_NOT_FOUND;
    }
    try {
      await this.offsets.deleteGroup(groupId);
    } catch (e) {
      this.log.error({ err: e, group: groupId }, 'deleting group offsets failed');
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    this.log.info({ group: groupId }, 'group deleted');
    return ErrorCode.NONE;
  }

  /** Forgets an empty classic group's record so a consumer group can take the id (offsets stay). */
  private dropClassic(groupId: string): void {
    const group = this.groups.get(groupId);
    if (!group) return;
    for (const t of group.pending.values()) clearTimeout(t);
    group.pending.clear();
    this.clearJoinTimer(group);
    this.clearSyncTimer(group);
    this.groups.delete(groupId);
    this.emptied.delete(group);
    group.state = 'Dead';
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stops every timer and answers every parked request, so the process can exit. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.consumer.close();
    for (const group of this.groups.values()) {
      this.clearJoinTimer(group);
      this.clearSyncTimer(group);
      for (const t of group.pending.values()) clearTimeout(t);
      group.pending.clear();
      for (const m of group.members.values()) {
        if (m.sessionTimer) clearTimeout(m.sessionTimer);
        m.sessionTimer = null;
        this.answerJoin(m, joinError(m.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        const sync = m.syncWaiter;
        m.syncWaiter = null;
        sync?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
  }
}
