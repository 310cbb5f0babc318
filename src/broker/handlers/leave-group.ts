import { ApiKey } from '../protocol/api-keys.js';
import { decodeLeaveGroupRequest, encodeLeaveGroupResponse } from '../protocol/apis/leave-group.js';
import type { ApiHandler } from './types.js';

export const leaveGroupHandler: ApiHandler = {
  apiKey: ApiKey.LeaveGroup,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 4,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeLeaveGroupRequest(body, version);
    const outcome = ctx.broker.groups.leaveGroup(req.groupId, req.members);
    // Before v3 there is one member and no per-member list, so its error is the answer.
    const errorCode =
      version < 3 && outcome.errorCode === 0 && outcome.members.length === 1 ? outcome.members[0].errorCode : outcome.errorCode;
    return encodeLeaveGroupResponse(version, { errorCode, members: outcome.members });
  },
};
