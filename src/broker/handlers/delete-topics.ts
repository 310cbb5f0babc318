import { ApiKey } from '../protocol/api-keys.js';
import { decodeDeleteTopicsRequest, encodeDeleteTopicsResponse } from '../protocol/apis/delete-topics.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const deleteTopicsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, body) {
    const req = decodeDeleteTopicsRequest(body);
    const results = [];
    for (const name of req.names) {
      if (!ctx.broker.logs.getTopic(name)) {
        results.push({ name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      await ctx.broker.logs.deleteTopic(name);
      ctx.broker.producers.forgetTopic(name);
      ctx.broker.logger.info({ topic: name }, 'deleted topic');
      results.push({ name, errorCode: ErrorCode.NONE });
    }
    return encodeDeleteTopicsResponse(ctx.header.apiVersion, results);
  },
};
