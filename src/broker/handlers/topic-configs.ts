/**
 * Topic-level settings this broker honours. Anything else is refused with INVALID_CONFIG rather
 * than accepted and silently ignored.
 */
export const SUPPORTED_TOPIC_CONFIGS = [
  'retention.ms',
  'retention.bytes',
  'segment.bytes',
  'segment.ms',
  'cleanup.policy',
] as const;

/** Kafka's lower bounds (TopicConfig); -1 means "unlimited" for the retention settings. */
const MINIMUM: Record<string, number> = {
  'retention.ms': -1,
  'retention.bytes': -1,
  'segment.bytes': 14,
  'segment.ms': 1,
};

export function validateTopicConfigs(configs: { name: string; value: string | null }[]): string | null {
  for (const { name, value } of configs) {
    if (!(SUPPORTED_TOPIC_CONFIGS as readonly string[]).includes(name)) {
      return `config ${name} is not supported by the embedded broker`;
    }
    if (value === null) return `config ${name} needs a value`;
    if (name === 'cleanup.policy') {
      if (value !== 'delete') return 'only cleanup.policy=delete is supported (no compaction)';
    } else if (!/^-?\d+$/.test(value)) {
      return `config ${name} must be an integer`;
    } else if (Number(value) < MINIMUM[name]) {
      return `${name} must be at least ${MINIMUM[name]}`;
    }
  }
  return null;
}
