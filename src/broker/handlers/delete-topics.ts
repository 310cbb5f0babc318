import { ApiKey } from '../protocol/api-keys.js';
import { decodeDeleteTopicsRequest, type DeleteTopicResult, encodeDeleteTopicsResponse } from '../protocol/apis/delete-topics.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler } from './types.js';

export const deleteTopicsHandler: ApiHandler = {
  apiKey: ApiKey.DeleteTopics,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 6,
  firstFlexibleVersion: 4,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeDeleteTopicsRequest(body, version);
    const results: DeleteTopicResult[] = [];
    for (const target of req.topics) {
      const info =
        target.topicId !== null ? ctx.broker.logs.getTopicById(target.topicId) : ctx.broker.logs.getTopic(target.name ?? '');
      if (!info) {
        const byId = target.topicId !== null;
        results.push({
          name: target.name,
          topicId: target.topicId,
          errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: byId ? `no topic with id ${target.topicId}` : `topic '${target.name}' does not exist`,
        });
        continue;
      }
      await ctx.broker.logs.deleteTopic(info.name);
      ctx.broker.producers.forgetTopic(info.name);
      ctx.broker.logger.info({ topic: info.name }, 'deleted topic');
      results.push({ name: info.name, topicId: info.id, errorCode: ErrorCode.NONE, errorMessage: null });
    }
    return encodeDeleteTopicsResponse(version, results);
  },
};
