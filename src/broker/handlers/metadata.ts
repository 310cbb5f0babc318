import { ApiKey } from '../protocol/api-keys.js';
import { decodeMetadataRequest, encodeMetadataResponse, type MetadataTopic, NULL_TOPIC_ID } from '../protocol/apis/metadata.js';
import { ErrorCode } from '../protocol/errors.js';
import type { TopicInfo } from '../storage/log-manager.js';
import { findOrCreateTopic } from './topic-lookup.js';
import type { ApiHandler } from './types.js';

export const CLUSTER_ID = 'embedded-kafka-cluster';

/** Kafka added topic ids to the request in v10 but only honours a lookup by id from v12. */
const FIRST_LOOKUP_BY_ID = 12;

export const metadataHandler: ApiHandler = {
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 12,
  firstFlexibleVersion: 9,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeMetadataRequest(body, version);
    const { nodeId } = ctx.broker.config;
    const describe = (t: TopicInfo): MetadataTopic => ({
      errorCode: ErrorCode.NONE,
      name: t.name,
      topicId: t.id,
      partitions: Array.from({ length: t.partitions }, (_, index) => ({
        errorCode: ErrorCode.NONE,
        index,
        leaderId: nodeId,
        replicas: [nodeId],
        isr: [nodeId],
      })),
    });
    let topics: MetadataTopic[];
    if (req.topics === null) {
      topics = ctx.broker.logs.listTopics().map(describe);
    } else {
      topics = [];
      for (const wanted of req.topics) {
        if (wanted.name === null || (version >= FIRST_LOOKUP_BY_ID && wanted.topicId !== null && !wanted.name)) {
          const info = version >= FIRST_LOOKUP_BY_ID && wanted.topicId ? ctx.broker.logs.getTopicById(wanted.topicId) : undefined;
          topics.push(
            info
              ? describe(info)
              : { errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId: wanted.topicId ?? NULL_TOPIC_ID, partitions: [] },
          );
          continue;
        }
        const found = await findOrCreateTopic(ctx.broker, wanted.name, req.allowAutoTopicCreation);
        topics.push(
          found.topic
            ? describe(found.topic)
            : { errorCode: found.errorCode, name: wanted.name, topicId: NULL_TOPIC_ID, partitions: [] },
        );
      }
    }
    const { host, port } = ctx.broker.advertised();
    return encodeMetadataResponse(version, {
      brokers: [{ nodeId, host, port }],
      clusterId: CLUSTER_ID,
      controllerId: nodeId,
      topics,
    });
  },
};
