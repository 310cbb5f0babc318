import { ApiKey } from '../protocol/api-keys.js';
import { decodeCreateTopicsRequest, encodeCreateTopicsResponse, type CreateTopicResult } from '../protocol/apis/create-topics.js';
import { ErrorCode } from '../protocol/errors.js';
import { isValidTopicName } from '../protocol/topic-name.js';
import { StorageError } from '../storage/log-manager.js';
import { topicEntries } from './describe-configs.js';
import { validateTopicConfigs } from './topic-configs.js';
import type { ApiHandler } from './types.js';

export const createTopicsHandler: ApiHandler = {
  apiKey: ApiKey.CreateTopics,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 7,
  firstFlexibleVersion: 5,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeCreateTopicsRequest(body, version);
    const results: CreateTopicResult[] = [];
    for (const t of req.topics) {
      const fail = (errorCode: number, errorMessage: string) => results.push({ name: t.name, errorCode, errorMessage });
      const partitions = t.numPartitions === -1 ? ctx.broker.config.defaultPartitions : t.numPartitions;
      const configError = validateTopicConfigs(t.configs);
      if (!isValidTopicName(t.name)) fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `illegal topic name '${t.name}'`);
      else if (ctx.broker.logs.getTopic(t.name)) fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${t.name}' already exists`);
      else if (t.hasAssignments) fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'manual replica assignment is not supported');
      else if (partitions < 1 || partitions > 10_000) fail(ErrorCode.INVALID_PARTITIONS, 'number of partitions must be 1-10000');
      else if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'a single-node broker supports replication factor 1 only');
      } else if (configError) fail(ErrorCode.INVALID_CONFIG, configError);
      else if (req.validateOnly) {
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null, numPartitions: partitions, replicationFactor: 1, configs: [] });
      }
      else {
        try {
          const configs = Object.fromEntries(t.configs.map((c) => [c.name, c.value as string]));
          const created = await ctx.broker.logs.createTopic(t.name, partitions, configs);
          ctx.broker.logger.info({ topic: t.name, partitions }, 'created topic');
          results.push({
            name: t.name,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            topicId: created.id,
            numPartitions: created.partitions,
            replicationFactor: 1,
            configs: topicEntries(ctx.broker, t.name) ?? [],
          });
        } catch (err) {
          if (err instanceof StorageError) fail(err.errorCode, err.message);
          else throw err;
        }
      }
    }
    return encodeCreateTopicsResponse(version, results);
  },
};
