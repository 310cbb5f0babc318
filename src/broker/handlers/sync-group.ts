import { ApiKey } from '../protocol/api-keys.js';
import { decodeSyncGroupRequest, encodeSyncGroupResponse } from '../protocol/apis/sync-group.js';
import type { ApiHandler } from './types.js';

/** Long-poll for followers: they wait until the leader hands in the assignment. */
export const syncGroupHandler: ApiHandler = {
  apiKey: ApiKey.SyncGroup,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeSyncGroupRequest(body, version);
    const outcome = await ctx.broker.groups.syncGroup(req);
    return encodeSyncGroupResponse(version, outcome);
  },
};
