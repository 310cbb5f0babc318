import { ApiKey } from '../protocol/api-keys.js';
import { decodeMetadataRequest, encodeMetadataResponse, type MetadataTopic } from '../protocol/apis/metadata.js';
import { ErrorCode } from '../protocol/errors.js';
import type { TopicInfo } from '../storage/log-manager.js';
import { findOrCreateTopic } from './topic-lookup.js';
import type { ApiHandler } from './types.js';

export const CLUSTER_ID = 'embedded-kafka-cluster';

export const metadataHandler: ApiHandler = {
  apiKey: ApiKey.Metadata,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeMetadataRequest(body, version);
    const { nodeId } = ctx.broker.config;
    const describe = (t: TopicInfo): MetadataTopic => ({
      errorCode: ErrorCode.NONE,
      name: t.name,
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
      for (const name of req.topics) {
        const found = await findOrCreateTopic(ctx.broker, name, req.allowAutoTopicCreation);
        topics.push(found.topic ? describe(found.topic) : { errorCode: found.errorCode, name, partitions: [] });
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
