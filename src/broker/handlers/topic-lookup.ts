import { ErrorCode } from '../protocol/errors.js';
import { isValidTopicName } from '../protocol/topic-name.js';
import type { TopicInfo } from '../storage/log-manager.js';
import type { BrokerContext } from './types.js';

/**
 * Finds a topic, creating it with the default partition count when auto-creation is allowed
 * (Kafka's auto.create.topics.enable). Concurrent requests for the same new topic share one creation.
 */
const pending = new WeakMap<BrokerContext, Map<string, Promise<TopicInfo>>>();

export async function findOrCreateTopic(
  broker: BrokerContext,
  name: string,
  allowCreate: boolean,
): Promise<{ topic?: TopicInfo; errorCode: number }> {
  if (!isValidTopicName(name)) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION };
  const existing = broker.logs.getTopic(name);
  if (existing) return { topic: existing, errorCode: ErrorCode.NONE };
  if (!allowCreate || !broker.config.autoCreateTopics) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  }
  let inFlight = pending.get(broker);
  if (!inFlight) pending.set(broker, (inFlight = new Map()));
  let creation = inFlight.get(name);
  if (!creation) {
    creation = broker.logs.createTopic(name, broker.config.defaultPartitions).finally(() => inFlight!.delete(name));
    inFlight.set(name, creation);
    broker.logger.info({ topic: name, partitions: broker.config.defaultPartitions }, 'auto-created topic');
  }
  try {
    return { topic: await creation, errorCode: ErrorCode.NONE };
  } catch (err) {
    const raced = broker.logs.getTopic(name);
    if (!raced) broker.logger.warn({ topic: name, reason: (err as Error).message }, 'auto-creating a topic failed');
    return raced ? { topic: raced, errorCode: ErrorCode.NONE } : { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR };
  }
}
