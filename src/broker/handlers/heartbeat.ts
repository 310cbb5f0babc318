import { ApiKey } from '../protocol/api-keys.js';
import { decodeHeartbeatRequest, encodeHeartbeatResponse } from '../protocol/apis/heartbeat.js';
import type { ApiHandler } from './types.js';

export const heartbeatHandler: ApiHandler = {
  apiKey: ApiKey.Heartbeat,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 4,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeHeartbeatRequest(body, version);
    return encodeHeartbeatResponse(version, ctx.broker.groups.heartbeat(req));
  },
};
