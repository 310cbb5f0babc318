/**
 * This app's part of the consumer protocol's member metadata: the instance id in the
 * subscription's userData, and decoding what members sent and got for the group view.
 */
import { AssignerProtocol, PartitionAssigners, type PartitionAssigner } from 'kafkajs';
import type { GroupMemberInfo } from './types.js';

/** Marks our userData so another client's bytes are never mistaken for an instance id. */
const INSTANCE_USERDATA_PREFIX = 'kwd-instance:';

/**
 * kafkajs's round-robin assignment under its usual protocol name (so the group stays compatible
 * with plain kafkajs members), with this instance's id in the subscription's userData.
 */
export function instanceAwareRoundRobin(instanceId: string): PartitionAssigner {
  return (config) => {
    const base = PartitionAssigners.roundRobin(config);
    return {
      name: base.name,
      version: base.version,
      assign: (group) => base.assign(group),
      protocol: ({ topics }) => ({
        name: base.name,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: base.version,
          topics,
          userData: Buffer.from(INSTANCE_USERDATA_PREFIX + instanceId, 'utf8'),
        }),
      }),
    };
  };
}

/** Reads what a member sent and got, tolerating members whose bytes are not the consumer protocol. */
export function decodeMember(protocolType: string, metadata: Buffer, assignment: Buffer): Pick<GroupMemberInfo, 'instance' | 'subscribedTopics' | 'assignment'> {
  const out: Pick<GroupMemberInfo, 'instance' | 'subscribedTopics' | 'assignment'> = { instance: null, subscribedTopics: [], assignment: {} };
  if (protocolType !== 'consumer') return out;
  try {
    if (metadata.length > 0) {
      const meta = AssignerProtocol.MemberMetadata.decode(metadata);
      if (meta) {
        out.subscribedTopics = [...meta.topics];
        const user = meta.userData?.toString('utf8') ?? '';
        if (user.startsWith(INSTANCE_USERDATA_PREFIX)) out.instance = user.slice(INSTANCE_USERDATA_PREFIX.length);
      }
    }
  } catch {
    // Not the standard consumer encoding; show the member without these details.
  }
  try {
    if (assignment.length > 0) {
      const assigned = AssignerProtocol.MemberAssignment.decode(assignment);
      if (assigned) out.assignment = Object.fromEntries(Object.entries(assigned.assignment).map(([t, ps]) => [t, [...ps].sort((a, b) => a - b)]));
    }
  } catch {
    // As above.
  }
  return out;
}
