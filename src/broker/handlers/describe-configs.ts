import { ApiKey } from '../protocol/api-keys.js';
import {
  CONFIG_TYPE,
  ConfigSource,
  decodeDescribeConfigsRequest,
  encodeDescribeConfigsResponse,
  ResourceType,
  type ConfigEntry,
  type DescribeConfigsResult,
} from '../protocol/apis/describe-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { TOPIC_CONFIGS } from '../storage/topic-configs.js';
import type { ApiHandler, BrokerContext } from './types.js';

/** Also CreateTopics v5+, which returns the new topic's settings. */
export function topicEntries(broker: BrokerContext, name: string): ConfigEntry[] | null {
  const topic = broker.logs.getTopic(name);
  if (!topic) return null;
  const ctx = { effective: broker.logs.topicConfig(name), maxMessageBytes: broker.config.maxMessageBytes };
  return TOPIC_CONFIGS.map((def) => ({
    name: def.name,
    value: def.value(ctx),
    readOnly: false,
    source: def.name in topic.configs ? ConfigSource.TOPIC : def.defaultSource,
    sensitive: false,
    configType: def.configType,
  }));
}

/** The broker's own settings (read-only here): each one's type as Kafka's ConfigDef declares it, and its value. */
const BROKER_CONFIGS: readonly [string, number, (c: BrokerContext['config']) => unknown][] = [
  ['broker.id', CONFIG_TYPE.INT, (c) => c.nodeId],
  ['auto.create.topics.enable', CONFIG_TYPE.BOOLEAN, (c) => c.autoCreateTopics],
  ['num.partitions', CONFIG_TYPE.INT, (c) => c.defaultPartitions],
  ['group.initial.rebalance.delay.ms', CONFIG_TYPE.INT, (c) => c.initialRebalanceDelayMs],
  ['group.min.session.timeout.ms', CONFIG_TYPE.INT, (c) => c.minSessionTimeoutMs],
  ['group.max.session.timeout.ms', CONFIG_TYPE.INT, (c) => c.maxSessionTimeoutMs],
  ['log.retention.ms', CONFIG_TYPE.LONG, (c) => c.retentionMs],
  ['log.retention.bytes', CONFIG_TYPE.LONG, (c) => c.retentionBytes],
  ['log.segment.bytes', CONFIG_TYPE.INT, (c) => c.segmentBytes],
  ['message.max.bytes', CONFIG_TYPE.INT, (c) => c.maxMessageBytes],
  ['socket.request.max.bytes', CONFIG_TYPE.INT, (c) => c.maxRequestBytes],
];

function brokerEntries(broker: BrokerContext): ConfigEntry[] {
  return BROKER_CONFIGS.map(([name, configType, value]) => ({
    name,
    value: String(value(broker.config)),
    readOnly: true,
    source: ConfigSource.STATIC_BROKER,
    sensitive: false,
    configType,
  }));
}

export const describeConfigsHandler: ApiHandler = {
  apiKey: ApiKey.DescribeConfigs,
  name: 'DescribeConfigs',
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 4,
  handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeDescribeConfigsRequest(body, version);
    const results: DescribeConfigsResult[] = req.resources.map((res) => {
      let entries: ConfigEntry[] | null;
      if (res.type === ResourceType.TOPIC) entries = topicEntries(ctx.broker, res.name);
      else if (res.type === ResourceType.BROKER) {
        entries = res.name === '' || res.name === String(ctx.broker.config.nodeId) ? brokerEntries(ctx.broker) : null;
      } else {
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${res.type} is not supported`, type: res.type, name: res.name, configs: [] };
      }
      if (entries === null) {
        const code = res.type === ResourceType.TOPIC ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_REQUEST;
        return { errorCode: code, errorMessage: `unknown resource '${res.name}'`, type: res.type, name: res.name, configs: [] };
      }
      const wanted = res.keys;
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: '', // Kafka's success message (Errors.NONE.message()), not null
        type: res.type,
        name: res.name,
        configs: wanted ? entries.filter((e) => wanted.includes(e.name)) : entries,
      };
    });
    return encodeDescribeConfigsResponse(version, results);
  },
};
