import type {
  GroupStateName,
  JoinGroupOutcome,
  ProtocolOffer,
  SyncGroupOutcome,
} from './types.js';

export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/** One joined member. A member with a parked JoinGroup or SyncGroup holds its resolver here. */
export class Member {
  assignment: Buffer = EMPTY_BYTES;
  joinWaiter: ((r: JoinGroupOutcome) => void) | null = null;
  syncWaiter: ((r: SyncGroupOutcome) => void) | null = null;
  sessionTimer: NodeJS.Timeout | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    readonly protocolType: string,
    public protocols: ProtocolOffer[],
  ) {}

  get awaiting(): boolean {
    return this.joinWaiter !== null || this.syncWaiter !== null;
  }

  supports(protocol: string): boolean {
    return this.protocols.some((p) => p.name === protocol);
  }

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, in the same preference order, with byte-identical metadata. */
  matches(protocols: ProtocolOffer[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata));
  }

  /** The member's most preferred protocol among the candidates. */
  vote(candidates: Set<string>): string | undefined {
    return this.protocols.find((p) => candidates.has(p.name))?.name;
  }
}

/** In-memory state of one classic consumer group (Kafka's GroupMetadata). */
export class Group {
  state: GroupStateName = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion order is join order; leader fallback and member lists rely on it. */
  readonly members = new Map<string, Member>();
  /** Ids handed out with MEMBER_ID_REQUIRED that have not rejoined yet, with their expiry timers. */
  readonly pending = new Map<string, NodeJS.Timeout>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSync = new Set<string>();
  /** group.instance.id -> member id, for static members. */
  readonly staticMembers = new Map<string, string>();

  joinTimer: NodeJS.Timeout | null = null;
  /** True while the first rebalance of an Empty group waits out group.initial.rebalance.delay.ms. */
  initialDelayActive = false;
  newMemberAdded = false;
  syncTimer: NodeJS.Timeout | null = null;

  constructor(readonly groupId: string) {}

  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  allMembersJoined(): boolean {
    if (this.pending.size > 0) return false;
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return true;
  }

  /** Protocols every current member supports. */
  candidateProtocols(): Set<string> {
    const all = [...this.members.values()];
    if (all.length === 0) return new Set();
    return new Set(all[0].protocols.map((p) => p.name).filter((n) => all.every((m) => m.supports(n))));
  }

  /**
   * Whether a joiner with these protocols fits the group (Kafka's supportsProtocols): an Empty group
   * takes anything non-empty; otherwise the type must match and one protocol must be shared by all.
   */
  supportsProtocols(protocolType: string, protocols: ProtocolOffer[]): boolean {
    if (this.state === 'Empty') return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = this.candidateProtocols();
    return protocols.some((p) => candidates.has(p.name));
  }

  /** Each member votes for its favourite shared protocol; most votes wins, ties go to the earliest vote. */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      if (v !== undefined) votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    if (best === undefined) throw new Error(`group ${this.groupId} has no protocol shared by all members`);
    return best;
  }
}
