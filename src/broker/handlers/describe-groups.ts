import { ApiKey } from '../protocol/api-keys.js';
import { decodeDescribeGroupsRequest, encodeDescribeGroupsResponse } from '../protocol/apis/describe-groups.js';
import type { ApiHandler } from './types.js';

export const describeGroupsHandler: ApiHandler = {
  apiKey: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 5,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeDescribeGroupsRequest(body, version);
    const groups = req.groups.map((id) => {
      const d = ctx.broker.groups.describeGroup(id);
      return {
        errorCode: d.errorCode,
        groupId: d.groupId,
        state: d.state,
        protocolType: d.protocolType,
        protocol: d.protocol,
        members: d.members,
      };
    });
    return encodeDescribeGroupsResponse(version, groups);
  },
};
