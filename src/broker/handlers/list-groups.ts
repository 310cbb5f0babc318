import { ApiKey } from '../protocol/api-keys.js';
import { decodeListGroupsRequest, encodeListGroupsResponse } from '../protocol/apis/list-groups.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const listGroupsHandler: ApiHandler = {
  apiKey: ApiKey.ListGroups,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    decodeListGroupsRequest(body, version);
    const groups = ctx.broker.groups.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType }));
    return encodeListGroupsResponse(version, { errorCode: ErrorCode.NONE, groups });
  },
};
