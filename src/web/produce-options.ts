import type { AppDependencies } from './types.js';
import type { RuleMessage } from './validation/message-rules.js';
import { BrowseError } from '../kafka/topic-browser.js';
import { burstBytes, MAX_BURST_BYTES, type ProduceExtras } from './validation/produce-extras.js';
import { sendBurst, type BurstResult } from '../kafka/burst.js';
import type { Params, Translate } from '../i18n/index.js';

/**
 * What the form and the JSON API share beyond parsing: checks that need Kafka's metadata
 * (partition in range) or the whole message (burst size), and running a burst.
 */
export async function checkExtras(
  deps: AppDependencies,
  topic: string,
  key: string,
  value: string,
  extras: ProduceExtras,
): Promise<Record<string, RuleMessage>> {
  const errors: Record<string, RuleMessage> = {};
  if (extras.partition !== undefined && deps.topics) {
    let count: number | undefined;
    let known = true;
    try {
      count = await deps.topics.partitionCount(topic);
    } catch (err) {
      // Kafka unreachable: the send will report that itself.
      if (!(err instanceof BrowseError)) throw err;
      known = false;
    }
    if (known && count === undefined) errors.partition = { key: 'validation.partition.noTopic', params: { topic } };
    else if (known && count !== undefined && extras.partition >= count) errors.partition = { key: 'validation.partition.range', params: { topic, last: count - 1 } };
  }
  if (extras.count > 1) {
    const total = burstBytes(extras.count, key || 'x'.repeat(36), value, extras.headers);
    if (total > MAX_BURST_BYTES) errors.count = { key: 'validation.burst.tooLarge', params: { max: MAX_BURST_BYTES, total } };
  }
  return errors;
}

export function runBurst(deps: AppDependencies, topic: string, key: string, value: string, extras: ProduceExtras, headers: Record<string, string> | undefined): Promise<BurstResult> {
  return sendBurst((r) => deps.producer.send(r), {
    topic,
    count: extras.count,
    keyPrefix: extras.keyMode === 'random' ? undefined : key || 'key',
    value,
    headers,
    partition: extras.partition,
  });
}

/** "partition 0: 340, partition 1: 330" in the page's language. */
export function partitionSummary(t: Translate, r: BurstResult): string {
  return r.partitions.map((p) => t('produce.burstPartition', { partition: p.partition, count: p.count } as Params)).join(', ') || '—';
}
