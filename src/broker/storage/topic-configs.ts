/**
 * The topic-level settings, once: what each is called, its Kafka type, where its default comes
 * from, which values it takes and how DescribeConfigs reports it. CreateTopics (validateOnly or
 * not), the log manager (creating and reloading topics) and DescribeConfigs all read this table,
 * so a value one of them accepts is accepted by the others. Apache Kafka 3.9.1 (LogConfig /
 * TopicConfig) is the reference for names, types and bounds.
 *
 * It lives in storage/ because storage is what honours the settings; the handlers import it from
 * here, never the other way round.
 */
import { CONFIG_TYPE, ConfigSource } from '../protocol/apis/describe-configs.js';
import { ErrorCode } from '../protocol/errors.js';
import { StorageError } from './storage-error.js';

export interface LogDefaults {
  segmentBytes: number;
  /** segment.ms: age after which the next append starts a new segment (Kafka's default is 7 days). */
  segmentMs: number;
  retentionMs: number;
  retentionBytes: number;
}

/** What a topic's reported values are made of: its effective log settings and broker-wide ones. */
export interface TopicConfigContext {
  effective: LogDefaults;
  maxMessageBytes: number;
}

interface Numeric {
  kind: 'int' | 'long';
  /** The LogDefaults field the value sets. */
  field: keyof LogDefaults;
  min: number;
  max: number;
}

interface Choice {
  kind: 'choice';
  allowed: readonly string[];
  /** Why anything else is refused. */
  refusal: string;
}

/** Reported by DescribeConfigs but not settable here: creating a topic with it is refused. */
interface Fixed {
  kind: 'fixed';
}

export interface TopicConfigDef {
  name: string;
  /** DescribeConfigs v3+ config type, as Kafka's ConfigDef declares the setting. */
  configType: number;
  /** How values given at creation are checked and applied. */
  rule: Numeric | Choice | Fixed;
  /** The value the topic has: its effective setting, or the fixed one. */
  value(ctx: TopicConfigContext): string;
  /** DescribeConfigs' source when the topic does not set it (Kafka: DEFAULT_CONFIG). */
  defaultSource: number;
}

/** Integer.MAX_VALUE: Kafka parses INT settings as Java ints (and index positions here are uint32). */
const INT_MAX = 0x7fff_ffff;
/**
 * LONG settings are held as JavaScript numbers, so the largest exact one is the bound: a known
 * difference from Kafka, which takes up to Long.MAX_VALUE (2^53 ms is still 285,000 years).
 */
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  {
    name: 'cleanup.policy',
    configType: CONFIG_TYPE.LIST,
    // Compaction is not implemented; accepting it would silently keep everything forever.
    rule: { kind: 'choice', allowed: ['delete'], refusal: 'only cleanup.policy=delete is supported (no compaction)' },
    value: () => 'delete',
    defaultSource: ConfigSource.DEFAULT,
  },
  {
    name: 'retention.ms',
    configType: CONFIG_TYPE.LONG,
    // -1 means "unlimited".
    rule: { kind: 'long', field: 'retentionMs', min: -1, max: LONG_MAX },
    value: (c) => String(c.effective.retentionMs),
    defaultSource: ConfigSource.DEFAULT,
  },
  {
    name: 'retention.bytes',
    configType: CONFIG_TYPE.LONG,
    rule: { kind: 'long', field: 'retentionBytes', min: -1, max: LONG_MAX },
    value: (c) => String(c.effective.retentionBytes),
    defaultSource: ConfigSource.DEFAULT,
  },
  {
    name: 'segment.bytes',
    configType: CONFIG_TYPE.INT,
    // Kafka's lower bound is LegacyRecord.RECORD_OVERHEAD_V0.
    rule: { kind: 'int', field: 'segmentBytes', min: 14, max: INT_MAX },
    value: (c) => String(c.effective.segmentBytes),
    defaultSource: ConfigSource.DEFAULT,
  },
  {
    name: 'segment.ms',
    configType: CONFIG_TYPE.LONG,
    // Kafka's lower bound; 0 would roll on every append.
    rule: { kind: 'long', field: 'segmentMs', min: 1, max: LONG_MAX },
    value: (c) => String(c.effective.segmentMs),
    defaultSource: ConfigSource.DEFAULT,
  },
  { name: 'min.insync.replicas', configType: CONFIG_TYPE.INT, rule: { kind: 'fixed' }, value: () => '1', defaultSource: ConfigSource.DEFAULT },
  {
    name: 'message.timestamp.type',
    configType: CONFIG_TYPE.STRING,
    rule: { kind: 'fixed' },
    value: () => 'CreateTime',
    defaultSource: ConfigSource.DEFAULT,
  },
  {
    name: 'max.message.bytes',
    configType: CONFIG_TYPE.INT,
    rule: { kind: 'fixed' },
    value: (c) => String(c.maxMessageBytes),
    defaultSource: ConfigSource.DEFAULT,
  },
  { name: 'compression.type', configType: CONFIG_TYPE.STRING, rule: { kind: 'fixed' }, value: () => 'producer', defaultSource: ConfigSource.DEFAULT },
];

const BY_NAME = new Map(TOPIC_CONFIGS.map((d) => [d.name, d]));

/** Why `name=value` cannot be set on a topic here, or null when it can. */
export function topicConfigProblem(name: string, value: string | null): string | null {
  const def = BY_NAME.get(name);
  if (!def || def.rule.kind === 'fixed') return `config ${name} is not supported by the embedded broker`;
  if (value === null) return `config ${name} needs a value`;
  const rule = def.rule;
  if (rule.kind === 'choice') return rule.allowed.includes(value) ? null : rule.refusal;
  if (!/^-?\d+$/.test(value)) return `config ${name} must be an integer`;
  const n = Number(value);
  if (n < rule.min) return `${name} must be at least ${rule.min}`;
  if (n > rule.max) return `${name} must be at most ${rule.max}`;
  return null;
}

/** The first problem of a CreateTopics config list, or null (what the handler answers INVALID_CONFIG with). */
export function validateTopicConfigs(configs: { name: string; value: string | null }[]): string | null {
  for (const { name, value } of configs) {
    const problem = topicConfigProblem(name, value);
    if (problem) return problem;
  }
  return null;
}

/** A topic's effective settings; throws INVALID_CONFIG (with the same words as validation) for anything not honoured. */
export function resolveTopicConfigs(defaults: LogDefaults, configs: Record<string, string>): { effective: LogDefaults; deletePolicy: boolean } {
  const effective = { ...defaults };
  for (const [name, value] of Object.entries(configs)) {
    const problem = topicConfigProblem(name, typeof value === 'string' ? value : null);
    if (problem) throw new StorageError(problem, ErrorCode.INVALID_CONFIG);
    const rule = BY_NAME.get(name)!.rule;
    if (rule.kind === 'int' || rule.kind === 'long') effective[rule.field] = Number(value);
  }
  // delete is the only policy there is (see cleanup.policy above).
  return { effective, deletePolicy: true };
}

/** Clamps broker-wide defaults into the bounds a topic value would have to meet. */
export function boundedDefault(field: keyof LogDefaults, value: number): number {
  const def = TOPIC_CONFIGS.find((d) => (d.rule.kind === 'int' || d.rule.kind === 'long') && d.rule.field === field);
  const rule = def!.rule as Numeric;
  return Math.min(Math.max(value, rule.min), rule.max);
}
