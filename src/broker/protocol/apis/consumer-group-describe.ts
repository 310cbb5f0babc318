import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** ConsumerGroupDescribe request (KIP-848, API key 69), v0-1 (identical), flexible from v0. */
export function decodeConsumerGroupDescribeRequest(r: Reader, _version: number): { groupIds: string[]; includeAuthorizedOperations: boolean } {
  r.flexible = true;
  const groupIds = r.fArray((r) => r.fString());
  const includeAuthorizedOperations = r.boolean();
  r.tags();
  return { groupIds, includeAuthorizedOperations };
}

export interface DescribedTopicPartitions {
  topicId: string;
  topicName: string;
  partitions: number[];
}

export interface ConsumerGroupDescribedMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  memberEpoch: number;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  assignment: DescribedTopicPartitions[];
  targetAssignment: DescribedTopicPartitions[];
  /** v1+: -1 unknown, 0 classic member, 1 consumer member. */
  memberType: number;
}

export interface ConsumerGroupDescribedGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  groupState: string;
  groupEpoch: number;
  assignmentEpoch: number;
  assignorName: string;
  members: ConsumerGroupDescribedMember[];
}

/** The "not requested / not supported" authorized-operations value (Integer.MIN_VALUE). */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

export function encodeConsumerGroupDescribeResponse(version: number, groups: ConsumerGroupDescribedGroup[]): Writer {
  const w = new Writer(256).flex(true);
  const writeAssignment = (w: Writer, topics: DescribedTopicPartitions[]) => {
    w.fArray(topics, (w, t) => {
      w.uuid(t.topicId).fString(t.topicName);
      w.fArray(t.partitions, (w, p) => w.int32(p));
      w.tags();
    });
    w.tags();
  };
  w.int32(0); // throttle
  w.fArray(groups, (w, g) => {
    w.int16(g.errorCode).fNullableString(g.errorMessage).fString(g.groupId).fString(g.groupState);
    w.int32(g.groupEpoch).int32(g.assignmentEpoch).fString(g.assignorName);
    w.fArray(g.members, (w, m) => {
      w.fString(m.memberId).fNullableString(m.instanceId).fNullableString(m.rackId).int32(m.memberEpoch);
      w.fString(m.clientId).fString(m.clientHost);
      w.fArray(m.subscribedTopicNames, (w, n) => w.fString(n));
      w.fNullableString(m.subscribedTopicRegex);
      writeAssignment(w, m.assignment);
      writeAssignment(w, m.targetAssignment);
      if (version >= 1) w.int8(m.memberType);
      w.tags();
    });
    w.int32(NO_AUTHORIZED_OPERATIONS);
    w.tags();
  });
  return w.tags();
}
