import { ApiKey } from '../protocol/api-keys.js';
import { decodeDeleteGroupsRequest, encodeDeleteGroupsResponse } from '../protocol/apis/delete-groups.js';
import type { ApiHandler } from './types.js';

export const deleteGroupsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 2,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeDeleteGroupsRequest(body, version);
    const results = await ctx.broker.groups.deleteGroups(req.groups);
    for (const r of results) {
      if (r.errorCode === 0) ctx.broker.logger.info({ group: r.groupId }, 'deleted consumer group');
    }
    return encodeDeleteGroupsResponse(version, results);
  },
};
