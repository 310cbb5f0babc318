import { ApiKey } from '../protocol/api-keys.js';
import { decodeCreatePartitionsRequest, encodeCreatePartitionsResponse } from '../protocol/apis/create-partitions.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError } from '../storage/log-manager.js';
import type { ApiHandler } from './types.js';

export const createPartitionsHandler: ApiHandler = {
  apiKey: ApiKey.CreatePartitions,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 3,
  firstFlexibleVersion: 2,
  async handle(ctx, body) {
    const req = decodeCreatePartitionsRequest(body, ctx.header.apiVersion);
    const results = [];
    let planned = 0;
    for (const t of req.topics) {
      const topic = ctx.broker.logs.getTopic(t.name);
      const fail = (errorCode: number, errorMessage: string | null) => results.push({ name: t.name, errorCode, errorMessage });
      // Kafka sends no message with UNKNOWN_TOPIC_OR_PARTITION here (the differential test compares).
      if (!topic) fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
      else if (t.count <= topic.partitions) {
        fail(ErrorCode.INVALID_PARTITIONS, `topic has ${topic.partitions} partitions; the new count must be larger`);
      } else if (t.count > 10_000) fail(ErrorCode.INVALID_PARTITIONS, 'number of partitions must be at most 10000');
      else if (t.hasAssignments) fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'manual replica assignment is not supported');
      else if (ctx.broker.logs.partitionBudgetProblem(planned + t.count - topic.partitions)) {
        fail(ErrorCode.POLICY_VIOLATION, ctx.broker.logs.partitionBudgetProblem(planned + t.count - topic.partitions)!);
      } else if (req.validateOnly) {
        planned += t.count - topic.partitions;
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      }
      else {
        try {
          await ctx.broker.logs.createPartitions(t.name, t.count);
          ctx.broker.logger.info({ topic: t.name, partitions: t.count }, 'added partitions');
          results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
        } catch (err) {
          if (err instanceof StorageError) fail(err.errorCode, err.message);
          else throw err;
        }
      }
    }
    return encodeCreatePartitionsResponse(ctx.header.apiVersion, results);
  },
};
