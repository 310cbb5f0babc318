import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeConsumerGroupDescribeRequest,
  encodeConsumerGroupDescribeResponse,
} from '../protocol/apis/consumer-group-describe.js';
import type { ApiHandler } from './types.js';

/** KIP-848 groups' describe; v1 adds each member's MemberType (KIP-1099). */
export const consumerGroupDescribeHandler: ApiHandler = {
  apiKey: ApiKey.ConsumerGroupDescribe,
  name: 'ConsumerGroupDescribe',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: 0,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeConsumerGroupDescribeRequest(body, version);
    const groups = req.groupIds.map((id) => ctx.broker.groups.consumer.describe(id));
    return encodeConsumerGroupDescribeResponse(version, groups);
  },
};
