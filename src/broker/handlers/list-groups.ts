import { ApiKey } from '../protocol/api-keys.js';
import { decodeListGroupsRequest, encodeListGroupsResponse } from '../protocol/apis/list-groups.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const listGroupsHandler: ApiHandler = {
  apiKey: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 3,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeListGroupsRequest(body, version);
    // Kafka matches both filters case-insensitively.
    const states = new Set(req.statesFilter.map((s) => s.toLowerCase()));
    const types = new Set(req.typesFilter.map((s) => s.toLowerCase()));
    const groups = ctx.broker.groups
      .listGroups()
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter((g) => types.size === 0 || types.has(g.type))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, state: g.state, type: g.type }));
    return encodeListGroupsResponse(version, { errorCode: ErrorCode.NONE, groups });
  },
};
