import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

/** Topic partitions named by topic id, as ConsumerGroupHeartbeat carries them both ways. */
export interface HeartbeatTopicPartitions {
  topicId: string;
  partitions: number[];
}

/**
 * ConsumerGroupHeartbeat request (KIP-848, API key 68), v0-1, flexible from v0. Nullable fields
 * are null when the member did not change them since its last heartbeat.
 */
export interface ConsumerGroupHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  /** -1: unchanged. */
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  /** v1+ only; null before. */
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: HeartbeatTopicPartitions[] | null;
}

export const CONSUMER_GROUP_HEARTBEAT_FIRST_FLEXIBLE = 0;

export function decodeConsumerGroupHeartbeatRequest(r: Reader, version: number): ConsumerGroupHeartbeatRequest {
  r.flexible = true;
  const groupId = r.fString();
  const memberId = r.fString();
  const memberEpoch = r.int32();
  const instanceId = r.fNullableString();
  const rackId = r.fNullableString();
  const rebalanceTimeoutMs = r.int32();
  const subscribedTopicNames = r.fNullableArray((r) => r.fString());
  const subscribedTopicRegex = version >= 1 ? r.fNullableString() : null;
  const serverAssignor = r.fNullableString();
  const topicPartitions = r.fNullableArray((r) => {
    const topicId = r.uuid();
    const partitions = r.fArray((r) => r.int32());
    r.tags();
    return { topicId, partitions };
  });
  r.tags();
  return {
    groupId,
    memberId,
    memberEpoch,
    instanceId,
    rackId,
    rebalanceTimeoutMs,
    subscribedTopicNames,
    subscribedTopicRegex,
    serverAssignor,
    topicPartitions,
  };
}

export interface ConsumerGroupHeartbeatResponse {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** null: unchanged since the member's last heartbeat (or an error). */
  assignment: HeartbeatTopicPartitions[] | null;
}

/** The response has the same layout in v0 and v1. */
export function encodeConsumerGroupHeartbeatResponse(_version: number, res: ConsumerGroupHeartbeatResponse): Writer {
  const w = new Writer(128).flex(true);
  w.int32(0); // throttle
  w.int16(res.errorCode).fNullableString(res.errorMessage).fNullableString(res.memberId);
  w.int32(res.memberEpoch).int32(res.heartbeatIntervalMs);
  if (res.assignment === null) {
    w.int8(-1); // null struct
  } else {
    w.int8(1);
    w.fArray(res.assignment, (w, t) => {
      w.uuid(t.topicId);
      w.fArray(t.partitions, (w, p) => w.int32(p));
      w.tags();
    });
    w.tags();
  }
  return w.tags();
}
