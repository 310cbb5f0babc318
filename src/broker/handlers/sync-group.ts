import { ApiKey } from '../protocol/api-keys.js';
import { decodeSyncGroupRequest, encodeSyncGroupResponse } from '../protocol/apis/sync-group.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

/** Long-poll for followers: they wait until the leader hands in the assignment. */
export const syncGroupHandler: ApiHandler = {
  apiKey: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 4,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeSyncGroupRequest(body, version);
    // v5 (KIP-559): a member that names another protocol type or name than the group runs is
    // refused, as Kafka does; absent (null) fields are not checked.
    const before = ctx.broker.groups.describeGroup(req.groupId);
    const mismatch =
      (req.protocolType !== null && before.protocolType !== '' && req.protocolType !== before.protocolType) ||
      (req.protocolName !== null && before.protocol !== '' && req.protocolName !== before.protocol);
    if (mismatch) {
      return encodeSyncGroupResponse(version, {
        errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(0),
      });
    }
    const outcome = await ctx.broker.groups.syncGroup(req);
    const after = outcome.errorCode === ErrorCode.NONE ? ctx.broker.groups.describeGroup(req.groupId) : null;
    return encodeSyncGroupResponse(version, {
      errorCode: outcome.errorCode,
      protocolType: after?.protocolType || null,
      protocolName: after?.protocol || null,
      assignment: outcome.assignment,
    });
  },
};
