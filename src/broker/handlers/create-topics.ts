import { ApiKey } from '../protocol/api-keys.js';
import { decodeCreateTopicsRequest, encodeCreateTopicsResponse, type CreateTopicResult } from '../protocol/apis/create-topics.js';
import { ErrorCode } from '../protocol/errors.js';
import { isValidTopicName } from '../protocol/topic-name.js';
import { MAX_PARTITIONS, StorageError } from '../storage/log-manager.js';
import { validateTopicConfigs } from '../storage/topic-configs.js';
import { topicEntries } from './describe-configs.js';
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
    // validateOnly creates nothing, so later topics of the same request count the earlier ones here.
    let planned = 0;
    for (const t of req.topics) {
      const fail = (errorCode: number, errorMessage: string) => results.push({ name: t.name, errorCode, errorMessage });
      const partitions = t.numPartitions === -1 ? ctx.broker.config.defaultPartitions : t.numPartitions;
      const configError = validateTopicConfigs(t.configs);
      const budgetProblem = ctx.broker.logs.partitionBudgetProblem(planned + partitions);
      if (!isValidTopicName(t.name)) fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `illegal topic name '${t.name}'`);
      else if (ctx.broker.logs.getTopic(t.name)) fail(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${t.name}' already exists`);
      else if (t.hasAssignments) fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'manual replica assignment is not supported');
      else if (partitions < 1) fail(ErrorCode.INVALID_PARTITIONS, 'number of partitions must be at least 1');
      // Kafka 3.9 answers POLICY_VIOLATION here too (its controller caps one request's records).
      else if (partitions > MAX_PARTITIONS) fail(ErrorCode.POLICY_VIOLATION, `excessively large number of partitions per request (at most ${MAX_PARTITIONS})`);
      else if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
        fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'a single-node broker supports replication factor 1 only');
      } else if (configError) fail(ErrorCode.INVALID_CONFIG, configError);
      // Kafka refuses a create that exceeds a broker limit with POLICY_VIOLATION (as for its own
      // per-request partition cap); the message says which limit.
      else if (budgetProblem) fail(ErrorCode.POLICY_VIOLATION, budgetProblem);
      else if (req.validateOnly) {
        planned += partitions;
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
