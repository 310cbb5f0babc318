/**
 * The KIP-848 side of the group coordinator: ConsumerGroupHeartbeat, ConsumerGroupDescribe and the
 * checks the classic APIs make against a consumer-protocol group (Kafka's GroupMetadataManager for
 * consumer groups). It shares the classic coordinator's group namespace (a group id is one or the
 * other) and its offset store; GroupCoordinator owns it and routes to it.
 *
 * Differences from Kafka 4.4.0 (docs/compatibility.md, KIP-848): regular expressions are resolved
 * at once, on every heartbeat, with JavaScript's RegExp (full match) where Kafka resolves them
 * asynchronously with RE2J; the target assignment is computed within the heartbeat that made it
 * necessary; a non-empty classic group is never converted (GROUP_ID_NOT_FOUND instead of Kafka's
 * online upgrade); the assignors are our own (assignor.ts).
 */
import { randomBytes } from 'node:crypto';
import type { BrokerLogger } from '../logger.js';
import type { ConsumerGroupDescribedGroup, DescribedTopicPartitions } from '../protocol/apis/consumer-group-describe.js';
import type { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from '../protocol/apis/consumer-group-heartbeat.js';
import { ErrorCode } from '../protocol/errors.js';
import { ASSIGNOR_NAMES, DEFAULT_ASSIGNOR, assign, isAssignorName, type AssignorName, type TopicAssignment } from './assignor.js';
import {
  ConsumerGroup,
  ConsumerMember,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  assignmentFrom,
  assignmentList,
  isSubset,
  partitionRef,
  sameAssignment,
} from './consumer-group.js';

export interface CatalogTopic {
  name: string;
  id: string;
  partitions: number;
}

/** What the consumer groups need to know of topics (the LogManager fits it). */
export interface TopicCatalog {
  listTopics(): CatalogTopic[];
  getTopic(name: string): CatalogTopic | undefined;
  getTopicById(id: string): CatalogTopic | undefined;
}

export const NO_TOPICS: TopicCatalog = {
  listTopics: () => [],
  getTopic: () => undefined,
  getTopicById: () => undefined,
};

/** The decoded request plus what only the connection knows; the coordinator never sees bytes. */
export type ConsumerHeartbeatInput = ConsumerGroupHeartbeatRequest & {
  version: number;
  clientId: string;
  clientHost: string;
};

/** The answer's fields, exactly as the codec writes them. */
export type ConsumerHeartbeatOutcome = ConsumerGroupHeartbeatResponse;

/** The classic coordinator's side of the shared namespace. */
export interface ClassicNamespace {
  /** 'none': no classic group; 'empty': one without members (it may give way); 'active': has members. */
  state(groupId: string): 'none' | 'empty' | 'active';
  /** Forgets an empty classic group's in-memory record (its offsets stay). */
  drop(groupId: string): void;
}

export interface ConsumerGroupCoordinatorOptions {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  logger: BrokerLogger;
  topics: TopicCatalog;
  classic: ClassicNamespace;
}

class GroupError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Kafka's Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64 without padding. */
function newMemberId(): string {
  return randomBytes(16).toString('base64url');
}

/** Kafka's throwIfMemberEpochIsInvalid message text. */
function fencedEpoch(received: number, known: number, which: 'greater' | 'smaller'): GroupError {
  return new GroupError(
    ErrorCode.FENCED_MEMBER_EPOCH,
    `The consumer group member has a ${which} member epoch (${received}) than the one known by the group coordinator (${known}). The member must abandon all its partitions and rejoin.`,
  );
}

export class ConsumerGroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>();
  private readonly regexes = new Map<string, RegExp>();
  private closed = false;

  constructor(private readonly options: ConsumerGroupCoordinatorOptions) {}

  get(groupId: string): ConsumerGroup | undefined {
    return this.groups.get(groupId);
  }

  // ---------------------------------------------------------------- ConsumerGroupHeartbeat

  heartbeat(req: ConsumerHeartbeatInput): ConsumerHeartbeatOutcome {
    if (this.closed) return this.failure(ErrorCode.COORDINATOR_NOT_AVAILABLE, null);
    try {
      this.validate(req);
      if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        return this.leave(req);
      }
      return this.join(req);
    } catch (e) {
      if (e instanceof GroupError) return this.failure(e.code, e.message);
      throw e;
    }
  }

  private failure(errorCode: number, errorMessage: string | null): ConsumerHeartbeatOutcome {
    return { errorCode, errorMessage, memberId: null, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
  }

  /** The request checks Kafka 4.4.0's GroupCoordinatorService makes, with its messages. */
  private validate(req: ConsumerHeartbeatInput): void {
    const invalid = (message: string) => new GroupError(ErrorCode.INVALID_REQUEST, message);
    if (req.version >= 1 || req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (req.memberId === '') throw invalid("MemberId can't be empty.");
    }
    if (req.groupId === '') throw invalid("GroupId can't be empty.");
    if (req.instanceId === '') throw invalid("InstanceId can't be empty.");
    if (req.rackId === '') throw invalid("RackId can't be empty.");
    if (req.memberEpoch === 0) {
      if (req.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
      if (req.topicPartitions === null || req.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
        throw invalid('Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.');
      }
    } else if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (req.instanceId === null) throw invalid("InstanceId can't be null.");
    } else if (req.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      throw invalid('MemberEpoch is invalid.');
    }
    if (req.serverAssignor !== null && !isAssignorName(req.serverAssignor)) {
      throw new GroupError(
        ErrorCode.UNSUPPORTED_ASSIGNOR,
        `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${ASSIGNOR_NAMES.join(', ')}.`,
      );
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== '') this.compile(req.subscribedTopicRegex);
  }

  /**
   * Full match, as Kafka's Pattern.matcher(topic).matches(). Not in Unicode mode: that mode refuses
   * identity escapes such as `\-` that Java's and RE2J's syntax accept.
   */
  private compile(regex: string): RegExp {
    let re = this.regexes.get(regex);
    if (re) return re;
    try {
      re = new RegExp(`^(?:${regex})$`);
    } catch (e) {
      throw new GroupError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex ${regex} is not a valid regular expression: ${(e as Error).message}.`);
    }
    if (this.regexes.size > 1000) this.regexes.clear();
    this.regexes.set(regex, re);
    return re;
  }

  /**
   * `missing` says how a request that may not create the group is refused when there is none:
   * a leave as Kafka does (GROUP_ID_NOT_FOUND, which a leaving client ignores); a heartbeat with
   * UNKNOWN_MEMBER_ID, where Kafka says GROUP_ID_NOT_FOUND, because Kafka's groups survive a
   * restart and ours do not, and Kafka's Java client gives up for good on GROUP_ID_NOT_FOUND but
   * rejoins on UNKNOWN_MEMBER_ID (docs/compatibility.md).
   */
  private groupFor(groupId: string, create: boolean, missing: 'leave' | 'heartbeat', memberId: string): ConsumerGroup {
    const existing = this.groups.get(groupId);
    if (existing) return existing;
    const classic = this.options.classic.state(groupId);
    // Kafka 4.4.0 would upgrade a non-empty classic group online; we do not migrate.
    if (classic === 'active') throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} is not a consumer group.`);
    if (!create && missing === 'heartbeat') {
      throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of group ${groupId}.`);
    }
    if (!create) throw new GroupError(ErrorCode.GROUP_ID_NOT_FOUND, `Consumer group ${groupId} not found.`);
    if (classic === 'empty') this.options.classic.drop(groupId);
    const group = new ConsumerGroup(groupId);
    this.groups.set(groupId, group);
    this.options.logger.info({ group: groupId }, 'consumer group created');
    return group;
  }

  private checkEpoch(member: ConsumerMember, received: number, owned: TopicAssignment | null): void {
    if (received > member.memberEpoch) throw fencedEpoch(received, member.memberEpoch, 'greater');
    if (received < member.memberEpoch) {
      // The member may have missed our last answer: its previous epoch with nothing beyond what
      // it now holds is accepted, and it hears the current state.
      if (received === member.previousMemberEpoch && owned !== null && isSubset(owned, member.assigned)) return;
      throw fencedEpoch(received, member.memberEpoch, 'smaller');
    }
  }

  private join(req: ConsumerHeartbeatInput): ConsumerHeartbeatOutcome {
    const owned = req.topicPartitions === null ? null : assignmentFrom(req.topicPartitions);
    // Creating the group before the member checks is safe: a new group only meets epoch-0 joins.
    const group = this.groupFor(req.groupId, req.memberEpoch === 0, 'heartbeat', req.memberId);
    const member = req.instanceId === null ? this.dynamicMember(group, req, owned) : this.staticMember(group, req, owned);
    group.emptySince = null;

    if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.rackId !== null) member.rackId = req.rackId;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    if (req.subscribedTopicNames !== null) member.subscribedTopicNames = [...new Set(req.subscribedTopicNames)].sort();
    if (req.subscribedTopicRegex !== null) member.subscribedTopicRegex = req.subscribedTopicRegex === '' ? null : req.subscribedTopicRegex;
    if (req.serverAssignor !== null) member.serverAssignor = req.serverAssignor;

    this.refresh(group);

    const before = member.assigned;
    if (group.reconcile(member, owned)) this.startRebalanceTimer(group, member);
    if (member.state !== 'UNREVOKED_PARTITIONS') this.clearRebalanceTimer(member);
    this.armSession(group, member);

    const fullRequest =
      req.rebalanceTimeoutMs !== -1 &&
      (req.subscribedTopicNames !== null || req.subscribedTopicRegex !== null) &&
      req.topicPartitions !== null;
    const changed = !sameAssignment(before, member.assigned);
    if (changed) {
      this.options.logger.info(
        { group: group.groupId, memberId: member.memberId, epoch: member.memberEpoch, state: member.state },
        'consumer group member assignment updated',
      );
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      assignment: req.memberEpoch === 0 || fullRequest || changed ? assignmentList(member.assigned) : null,
    };
  }

  private newMember(group: ConsumerGroup, req: ConsumerHeartbeatInput): ConsumerMember {
    const id = req.memberId === '' ? newMemberId() : req.memberId;
    const member = new ConsumerMember(id, req.instanceId, req.rackId, req.clientId, req.clientHost);
    this.options.logger.info({ group: group.groupId, memberId: id, instanceId: req.instanceId }, 'member joins the consumer group');
    return member;
  }

  private dynamicMember(group: ConsumerGroup, req: ConsumerHeartbeatInput, owned: TopicAssignment | null): ConsumerMember {
    const member = group.members.get(req.memberId);
    if (req.memberEpoch === 0) {
      if (member) return member;
      const created = this.newMember(group, req);
      group.members.set(created.memberId, created);
      return created;
    }
    if (!member) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${group.groupId}.`);
    this.checkEpoch(member, req.memberEpoch, owned);
    return member;
  }

  private staticMember(group: ConsumerGroup, req: ConsumerHeartbeatInput, owned: TopicAssignment | null): ConsumerMember {
    const instanceId = req.instanceId!;
    const existingId = group.staticMembers.get(instanceId);
    const existing = existingId === undefined ? undefined : group.members.get(existingId);
    if (req.memberEpoch === 0) {
      if (!existing) {
        const created = this.newMember(group, req);
        group.members.set(created.memberId, created);
        group.staticMembers.set(instanceId, created.memberId);
        return created;
      }
      if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
        throw new GroupError(
          ErrorCode.UNRELEASED_INSTANCE_ID,
          `Static member ${req.memberId} with instance id ${instanceId} cannot join the group because the instance id is owned by ${existing.memberId} member.`,
        );
      }
      // The instance is back: a new member takes the old one's assignment, without a new epoch.
      const next = this.newMember(group, req);
      next.memberEpoch = 0;
      next.previousMemberEpoch = 0;
      this.clearTimers(existing);
      group.replaceMember(existing, next);
      this.options.logger.info({ group: group.groupId, instanceId, memberId: next.memberId, replaced: existing.memberId }, 'static member rejoined');
      return next;
    }
    if (!existing) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (existing.memberId !== req.memberId) {
      throw new GroupError(
        ErrorCode.FENCED_INSTANCE_ID,
        `Static member ${req.memberId} with instance id ${instanceId} was fenced by member ${existing.memberId}.`,
      );
    }
    this.checkEpoch(existing, req.memberEpoch, owned);
    return existing;
  }

  private leave(req: ConsumerHeartbeatInput): ConsumerHeartbeatOutcome {
    const group = this.groupFor(req.groupId, false, 'leave', req.memberId);
    const done = (memberEpoch: number): ConsumerHeartbeatOutcome => ({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      memberId: req.memberId,
      memberEpoch,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (req.instanceId === null) {
      const member = group.members.get(req.memberId);
      if (!member) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not a member of group ${group.groupId}.`);
      this.remove(group, member, 'left the consumer group');
      return done(LEAVE_GROUP_MEMBER_EPOCH);
    }
    const existingId = group.staticMembers.get(req.instanceId);
    const existing = existingId === undefined ? undefined : group.members.get(existingId);
    if (!existing) throw new GroupError(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
    if (existing.memberId !== req.memberId) {
      throw new GroupError(
        ErrorCode.FENCED_INSTANCE_ID,
        `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${existing.memberId}.`,
      );
    }
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // Gone for now: it keeps its partitions until its session times out or it comes back.
      existing.previousMemberEpoch = existing.memberEpoch;
      existing.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
      this.clearRebalanceTimer(existing);
      this.armSession(group, existing);
      this.options.logger.info({ group: group.groupId, memberId: existing.memberId, instanceId: req.instanceId }, 'static member left temporarily');
      return done(LEAVE_GROUP_STATIC_MEMBER_EPOCH);
    }
    this.remove(group, existing, 'left the consumer group');
    return done(LEAVE_GROUP_MEMBER_EPOCH);
  }

  // ---------------------------------------------------------------- epochs and target assignment

  private resolve(member: ConsumerMember): Map<string, { id: string; partitions: number }> {
    const out = new Map<string, { id: string; partitions: number }>();
    for (const name of member.subscribedTopicNames) {
      const t = this.options.topics.getTopic(name);
      if (t) out.set(t.name, { id: t.id, partitions: t.partitions });
    }
    if (member.subscribedTopicRegex !== null) {
      let re: RegExp | null = null;
      try {
        re = this.compile(member.subscribedTopicRegex);
      } catch {
        re = null;
      }
      if (re) {
        for (const t of this.options.topics.listTopics()) if (re.test(t.name)) out.set(t.name, { id: t.id, partitions: t.partitions });
      }
    }
    return out;
  }

  /** The assignor most members ask for (ties: Kafka's list order), else the default. */
  private preferredAssignor(group: ConsumerGroup): AssignorName {
    const votes = new Map<AssignorName, number>();
    for (const m of group.members.values()) {
      if (m.serverAssignor !== null && isAssignorName(m.serverAssignor)) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    }
    let best: AssignorName = DEFAULT_ASSIGNOR;
    let most = 0;
    for (const name of ASSIGNOR_NAMES) {
      const n = votes.get(name) ?? 0;
      if (n > most) {
        best = name;
        most = n;
      }
    }
    return best;
  }

  /**
   * Bumps the group epoch and recomputes the target assignment when anything it depends on
   * changed: members, subscriptions, what they resolve to (topics created, deleted, grown) or the
   * assignor. Called on every heartbeat, so topic changes are seen at the next one.
   */
  private refresh(group: ConsumerGroup): void {
    const resolved = new Map<string, Map<string, { id: string; partitions: number }>>();
    const parts: string[] = [];
    for (const id of [...group.members.keys()]) {
      const m = group.members.get(id)!;
      const r = this.resolve(m);
      resolved.set(id, r);
      const topics = [...r].map(([name, t]) => `${name}/${t.id}/${t.partitions}`).sort();
      // Static members count by instance id, so a rejoining instance (new member id) is no change.
      parts.push(`${m.instanceId === null ? `m:${id}` : `i:${m.instanceId}`}|${m.subscribedTopicNames.join(',')}|${m.subscribedTopicRegex ?? ''}|${topics.join(',')}`);
    }
    const assignor = this.preferredAssignor(group);
    const key = `${assignor}\n${parts.sort().join('\n')}`;
    if (key === group.metadataKey) return;
    group.metadataKey = key;
    group.assignorName = assignor;
    group.groupEpoch += 1;

    const partitionCounts = new Map<string, number>();
    const members = [...group.members.values()].map((m) => {
      const topics = new Set<string>();
      for (const t of resolved.get(m.memberId)!.values()) {
        topics.add(t.id);
        partitionCounts.set(t.id, t.partitions);
      }
      return { memberId: m.memberId, topics, previous: group.target.get(m.memberId) ?? new Map() };
    });
    const result = assign(assignor, { members, partitionCounts });
    group.target.clear();
    for (const [id, a] of result) group.target.set(id, a);
    group.assignmentEpoch = group.groupEpoch;
    this.options.logger.info({ group: group.groupId, epoch: group.groupEpoch, assignor, members: members.length }, 'computed a new target assignment');
  }

  // ---------------------------------------------------------------- timers and removal

  private armSession(group: ConsumerGroup, member: ConsumerMember): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    const timer = setTimeout(() => {
      member.sessionTimer = null;
      if (this.groups.get(group.groupId) !== group || group.members.get(member.memberId) !== member) return;
      this.remove(group, member, 'session timed out');
    }, this.options.sessionTimeoutMs);
    timer.unref();
    member.sessionTimer = timer;
  }

  private startRebalanceTimer(group: ConsumerGroup, member: ConsumerMember): void {
    this.clearRebalanceTimer(member);
    const epoch = member.memberEpoch;
    const timer = setTimeout(() => {
      member.rebalanceTimer = null;
      if (group.members.get(member.memberId) !== member) return;
      if (member.state !== 'UNREVOKED_PARTITIONS' || member.memberEpoch !== epoch) return;
      this.remove(group, member, `failed to revoke partitions within ${member.rebalanceTimeoutMs} ms`);
    }, Math.max(member.rebalanceTimeoutMs, 0));
    timer.unref();
    member.rebalanceTimer = timer;
  }

  private clearRebalanceTimer(member: ConsumerMember): void {
    if (member.rebalanceTimer) clearTimeout(member.rebalanceTimer);
    member.rebalanceTimer = null;
  }

  private clearTimers(member: ConsumerMember): void {
    if (member.sessionTimer) clearTimeout(member.sessionTimer);
    member.sessionTimer = null;
    this.clearRebalanceTimer(member);
  }

  /** Fences a member: it leaves, its partitions are free, the rest get a new target. */
  private remove(group: ConsumerGroup, member: ConsumerMember, reason: string): void {
    this.clearTimers(member);
    group.removeMember(member);
    this.options.logger.info({ group: group.groupId, memberId: member.memberId, reason }, 'member removed from the consumer group');
    this.refresh(group);
    if (group.members.size === 0) group.emptySince = Date.now();
  }

  /**
   * Kafka's periodic cleanup: a group empty for `retentionMs` that has no committed offsets is
   * forgotten (one with offsets stays, listed Empty, like Kafka's until its offsets expire).
   */
  sweep(now: number, retentionMs: number, hasOffsets: (groupId: string) => boolean): void {
    for (const g of [...this.groups.values()]) {
      if (g.members.size > 0 || g.emptySince === null || now - g.emptySince < retentionMs) continue;
      if (hasOffsets(g.groupId)) continue;
      this.groups.delete(g.groupId);
      this.options.logger.info({ group: g.groupId }, 'empty consumer group removed');
    }
  }

  /**
   * Admin removal through LeaveGroup (classic API), as Kafka 4.4.0's consumerGroupLeave: a member
   * by its member id, a static member by its instance id.
   */
  removeByLeaveGroup(group: ConsumerGroup, memberId: string, instanceId: string | null): number {
    if (instanceId === null) {
      const byId = group.members.get(memberId);
      if (!byId) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.remove(group, byId, 'removed through LeaveGroup');
      return ErrorCode.NONE;
    }
    const id = group.staticMembers.get(instanceId);
    const m = id === undefined ? undefined : group.members.get(id);
    if (!m) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberId !== '' && memberId !== m.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    this.remove(group, m, 'removed through LeaveGroup');
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------- describe, offsets, delete

  describe(groupId: string): ConsumerGroupDescribedGroup {
    // Kafka 4.4.0 sets only the id, error code and message of a group it cannot describe.
    const base = { groupId, groupState: '', groupEpoch: 0, assignmentEpoch: 0, assignorName: '', members: [] };
    if (this.closed) return { ...base, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: null };
    if (groupId === '') return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, errorMessage: null };
    const group = this.groups.get(groupId);
    if (!group) {
      const message = this.options.classic.state(groupId) === 'none' ? `Group ${groupId} not found.` : `Group ${groupId} is not a consumer group.`;
      return { ...base, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: message };
    }
    const describeAssignment = (a: TopicAssignment): DescribedTopicPartitions[] =>
      assignmentList(a).flatMap(({ topicId, partitions }) => {
        const t = this.options.topics.getTopicById(topicId);
        return t ? [{ topicId, topicName: t.name, partitions }] : [];
      });
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: group.state,
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.assignorName,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: m.subscribedTopicNames,
        // Kafka 4.4.0 describes a member without a regex with "", not null.
        subscribedTopicRegex: m.subscribedTopicRegex ?? '',
        assignment: describeAssignment(m.assigned),
        targetAssignment: describeAssignment(group.target.get(m.memberId) ?? new Map()),
        memberType: 1,
      })),
    };
  }

  /**
   * Kafka 4.4.0's ConsumerGroup.validateOffsetCommit: one code per partition. A commit with the
   * member's current epoch passes; a newer one is STALE_MEMBER_EPOCH; an older one passes for
   * the partitions the member already held at that epoch.
   */
  validateCommit(
    group: ConsumerGroup,
    req: { memberId: string; generationId: number; apiVersion: number },
    partitions: { topic: string; partition: number }[],
  ): number[] {
    const all = (code: number) => partitions.map(() => code);
    if (req.generationId < 0 && group.members.size === 0) return all(ErrorCode.NONE);
    const member = group.members.get(req.memberId);
    if (!member) return all(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.apiVersion < 9) return all(ErrorCode.UNSUPPORTED_VERSION);
    if (req.generationId === member.memberEpoch) return all(ErrorCode.NONE);
    if (req.generationId > member.memberEpoch) return all(ErrorCode.STALE_MEMBER_EPOCH);
    return partitions.map(({ topic, partition }) => {
      const id = this.options.topics.getTopic(topic)?.id;
      const at = id === undefined ? undefined : member.assignedAt.get(partitionRef(id, partition));
      return at !== undefined && at <= req.generationId ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
    });
  }

  /** Kafka's ConsumerGroup.validateOffsetFetch. */
  validateFetch(group: ConsumerGroup, memberId: string | null, memberEpoch: number): number {
    if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
    const member = memberId === null ? undefined : group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /** Topic names the group's members subscribe to, regexes resolved (OffsetDelete). */
  subscribedTopics(group: ConsumerGroup): Set<string> {
    const out = new Set<string>();
    for (const m of group.members.values()) {
      for (const n of m.subscribedTopicNames) out.add(n);
      for (const n of this.resolve(m).keys()) out.add(n);
    }
    return out;
  }

  /** Forgets an empty group (DeleteGroups, or a classic join taking the id over). */
  drop(groupId: string): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    for (const m of g.members.values()) this.clearTimers(m);
    this.groups.delete(groupId);
  }

  close(): void {
    this.closed = true;
    for (const g of this.groups.values()) for (const m of g.members.values()) this.clearTimers(m);
  }
}
