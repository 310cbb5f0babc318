import { ApiKey } from '../protocol/api-keys.js';
import { decodeJoinGroupRequest, encodeJoinGroupResponse } from '../protocol/apis/join-group.js';
import type { ApiHandler } from './types.js';

/** Long-poll: the response waits in the coordinator until the rebalance completes. */
export const joinGroupHandler: ApiHandler = {
  apiKey: ApiKey.JoinGroup,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  firstFlexibleVersion: 6,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeJoinGroupRequest(body, version);
    if (req.reason) ctx.broker.logger.debug({ group: req.groupId, member: req.memberId, reason: req.reason }, 'join reason');
    const outcome = await ctx.broker.groups.joinGroup({
      groupId: req.groupId,
      memberId: req.memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: ctx.header.clientId ?? '',
      clientHost: ctx.client.host,
      sessionTimeoutMs: req.sessionTimeoutMs,
      // v0 has no rebalance timeout; Kafka uses the session timeout in its place.
      rebalanceTimeoutMs: version >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols,
      requireKnownMemberId: version >= 4,
    });
    return encodeJoinGroupResponse(version, outcome);
  },
};
