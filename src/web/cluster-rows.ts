import type { ClusterView } from '../kafka/admin-service.js';
import type { Translate } from '../i18n/index.js';

/**
 * The topic and group tables of /cluster as views/partials/cluster-live.ejs shows them. The page
 * renders these on the server, and GET /api/cluster?rows=1 sends the same objects to the page's
 * poller, which fills the partial's <template> with them: tones, counts, "none" texts and the
 * "this instance" badge are decided here once, not in the template and again in the browser.
 * Strings are raw text; escaping is the template's (or textContent's) job.
 */
export interface ClusterRows {
  topics: TopicPartitionRow[];
  groups: GroupCard[];
}

export interface TopicPartitionRow {
  topic: string;
  partition: string;
  logStart: string;
  end: string;
  /** Messages kept: end offset minus log start. */
  messages: string;
}

export interface GroupCard {
  groupId: string;
  state: string;
  stateClass: string;
  protocol: string | null;
  members: MemberRow[];
  offsets: OffsetRow[];
}

export interface MemberRow {
  memberId: string;
  clientId: string;
  clientHost: string;
  instance: string;
  /** The member is this app instance. */
  you: boolean;
  assigned: string;
}

export interface OffsetRow {
  topic: string;
  partition: string;
  assignedTo: string;
  committed: string;
  end: string;
  lag: string;
}

const GROUP_TONES: Record<string, string> = { Stable: 'success', Empty: 'secondary', PreparingRebalance: 'warning', CompletingRebalance: 'warning', Dead: 'dark' };

/** No view (Kafka could not be read) shows as empty tables, with their "none yet" lines. */
export function toClusterRows(view: ClusterView | undefined, instanceId: string, t: Translate): ClusterRows {
  if (!view) return { topics: [], groups: [] };
  const none = t('cluster.none');
  return {
    topics: view.topics.flatMap((topic) =>
      topic.partitions.map((p) => ({
        topic: topic.name,
        partition: String(p.partition),
        logStart: p.logStartOffset,
        end: p.endOffset,
        messages: (BigInt(p.endOffset) - BigInt(p.logStartOffset)).toString(),
      })),
    ),
    groups: view.groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      stateClass: `badge text-bg-${GROUP_TONES[g.state] ?? 'secondary'}`,
      protocol: g.protocol || null,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        instance: m.instance ?? none,
        you: m.instance !== null && m.instance === instanceId,
        assigned: m.assignment.length ? m.assignment.map((a) => `${a.topic}:${a.partition}`).join(', ') : none,
      })),
      offsets: g.offsets.map((o) => ({
        topic: o.topic,
        partition: String(o.partition),
        assignedTo: o.instance ?? o.memberId ?? t('cluster.unassigned'),
        committed: o.committedOffset ?? none,
        end: o.endOffset,
        lag: o.lag,
      })),
    })),
  };
}
