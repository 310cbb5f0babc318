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
import type { ApiHandler, BrokerContext } from './types.js';

/** Each reported setting's type as Kafka's ConfigDef declares it (DescribeConfigs v3+). */
const TYPES: Record<string, number> = {
  'cleanup.policy': CONFIG_TYPE.LIST,
  'retention.ms': CONFIG_TYPE.LONG,
  'retention.bytes': CONFIG_TYPE.LONG,
  'segment.bytes': CONFIG_TYPE.INT,
  'segment.ms': CONFIG_TYPE.LONG,
  'min.insync.replicas': CONFIG_TYPE.INT,
  'message.timestamp.type': CONFIG_TYPE.STRING,
  'max.message.bytes': CONFIG_TYPE.INT,
  'compression.type': CONFIG_TYPE.STRING,
  'broker.id': CONFIG_TYPE.INT,
  'auto.create.topics.enable': CONFIG_TYPE.BOOLEAN,
  'num.partitions': CONFIG_TYPE.INT,
  'group.initial.rebalance.delay.ms': CONFIG_TYPE.INT,
  'group.min.session.timeout.ms': CONFIG_TYPE.INT,
  'group.max.session.timeout.ms': CONFIG_TYPE.INT,
  'log.retention.ms': CONFIG_TYPE.LONG,
  'log.retention.bytes': CONFIG_TYPE.LONG,
  'log.segment.bytes': CONFIG_TYPE.INT,
  'message.max.bytes': CONFIG_TYPE.INT,
  'socket.request.max.bytes': CONFIG_TYPE.INT,
};

/** Also CreateTopics v5+, which returns the new topic's settings. */
export function topicEntries(broker: BrokerContext, name: string): ConfigEntry[] | null {
  const topic = broker.logs.getTopic(name);
  if (!topic) return null;
  const effective = broker.logs.topicConfig(name);
  const values: Record<string, string> = {
    'cleanup.policy': 'delete',
    'retention.ms': String(effective.retentionMs),
    'retention.bytes': String(effective.retentionBytes),
    'segment.bytes': String(effective.segmentBytes),
    'segment.ms': String(effective.segmentMs),
    'min.insync.replicas': '1',
    'message.timestamp.type': 'CreateTime',
    'max.message.bytes': String(broker.config.maxMessageBytes),
    'compression.type': 'producer',
  };
  return Object.entries(values).map(([key, value]) => ({
    name: key,
    value,
    readOnly: false,
    source: key in topic.configs ? ConfigSource.TOPIC : ConfigSource.DEFAULT,
    sensitive: false,
    configType: TYPES[key],
  }));
}

function brokerEntries(broker: BrokerContext): ConfigEntry[] {
  const c = broker.config;
  const values: Record<string, string> = {
    'broker.id': String(c.nodeId),
    'auto.create.topics.enable': String(c.autoCreateTopics),
    'num.partitions': String(c.defaultPartitions),
    'group.initial.rebalance.delay.ms': String(c.initialRebalanceDelayMs),
    'group.min.session.timeout.ms': String(c.minSessionTimeoutMs),
    'group.max.session.timeout.ms': String(c.maxSessionTimeoutMs),
    'log.retention.ms': String(c.retentionMs),
    'log.retention.bytes': String(c.retentionBytes),
    'log.segment.bytes': String(c.segmentBytes),
    'message.max.bytes': String(c.maxMessageBytes),
    'socket.request.max.bytes': String(c.maxRequestBytes),
  };
  return Object.entries(values).map(([name, value]) => ({
    name,
    value,
    readOnly: true,
    source: ConfigSource.STATIC_BROKER,
    sensitive: false,
    configType: TYPES[name],
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
