/**
 * Shapes shared by the group coordinator and the wire handlers. The coordinator never sees a
 * socket or a Reader: handlers decode a request into one of these inputs and encode the outcome.
 */

export interface CommittedOffsetRecord {
  offset: bigint;
  metadata: string | null;
  commitTimestamp: number;
}

export interface OffsetCommitEntry {
  topic: string;
  partition: number;
  offset: bigint;
  metadata: string | null;
}

/**
 * The part of the broker's OffsetStore the coordinator relies on. Kept structural so unit tests can
 * run the coordinator against an in-memory store with no disk underneath.
 */
export interface GroupOffsetStore {
  commit(group: string, entries: OffsetCommitEntry[]): Promise<void>;
  get(group: string, topic: string, partition: number): CommittedOffsetRecord | undefined;
  forGroup(group: string): { topic: string; partition: number; committed: CommittedOffsetRecord }[];
  groups(): string[];
  deleteGroup(group: string): Promise<void>;
  /** Forgets some partitions' committed offsets of one group (OffsetDelete). */
  deletePartitions(group: string, partitions: { topic: string; partition: number }[]): Promise<void>;
}

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface ProtocolOffer {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupInput {
  groupId: string;
  /** '' for a member that has no id yet. */
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has no rebalance timeout; the handler passes the session timeout then, as Kafka does. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ProtocolOffer[];
  /** True from JoinGroup v4: a member without an id must first fetch one (MEMBER_ID_REQUIRED). */
  requireKnownMemberId: boolean;
}

export interface JoinGroupMemberInfo {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupOutcome {
  errorCode: number;
  generationId: number;
  /** '' when the join failed (Kafka's NoProtocol for versions before 7). */
  protocolName: string;
  protocolType: string | null;
  leader: string;
  memberId: string;
  /** Filled for the leader only; followers get an empty list. */
  members: JoinGroupMemberInfo[];
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupOutcome {
  errorCode: number;
  assignment: Buffer;
}

export interface HeartbeatInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupOutcome {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitInput {
  groupId: string;
  /** GenerationIdOrMemberEpoch: a member epoch for consumer-protocol groups (v9+). */
  generationId: number;
  /** The OffsetCommit version (a consumer-protocol member must use v9+); 9 when not given. */
  apiVersion?: number;
  memberId: string;
  groupInstanceId: string | null;
  entries: OffsetCommitEntry[];
}

export interface OffsetFetchPartition {
  partition: number;
  offset: bigint;
  metadata: string;
  errorCode: number;
}

export interface OffsetFetchOutcome {
  errorCode: number;
  topics: { topic: string; partitions: OffsetFetchPartition[] }[];
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's metadata for the chosen protocol; empty unless the group is Stable (as Kafka reports it). */
  metadata: Buffer;
  /** Empty unless the group is Stable. */
  assignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  errorCode: number;
  state: GroupStateName;
  protocolType: string;
  /** The chosen protocol; '' unless the group is Stable. */
  protocol: string;
  generationId: number;
  leader: string | null;
  members: GroupMemberDescription[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  /** Classic: GroupStateName; consumer: Empty, Assigning, Reconciling or Stable. */
  state: string;
  /** ListGroups v5's GroupType. */
  type: 'classic' | 'consumer';
}
