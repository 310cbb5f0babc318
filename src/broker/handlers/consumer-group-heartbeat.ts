import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeConsumerGroupHeartbeatRequest,
  encodeConsumerGroupHeartbeatResponse,
} from '../protocol/apis/consumer-group-heartbeat.js';
import type { ApiHandler } from './types.js';

/**
 * KIP-848's one membership call: join (epoch 0), heartbeat and reconcile, leave (-1, or -2 for a
 * static member that will come back). v1 adds SubscribedTopicRegex and makes the member id the
 * client's own (KIP-1082). Answered at once: nothing parks.
 */
export const consumerGroupHeartbeatHandler: ApiHandler = {
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  name: 'ConsumerGroupHeartbeat',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeConsumerGroupHeartbeatRequest(body, version);
    const outcome = ctx.broker.groups.consumer.heartbeat({
      ...req,
      version,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.client.host,
    });
    return encodeConsumerGroupHeartbeatResponse(version, outcome);
  },
};
