import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/** Just enough of EventEmitter to follow and later unfollow the services' events. */
interface Emitter {
  on(event: any, listener: (...args: any[]) => void): unknown;
  off(event: any, listener: (...args: any[]) => void): unknown;
}

/**
 * The events the counters follow: ProducerService emits `produced`; ConsumerWorker emits
 * `message`, `undecodable`, `committed`, `commitFailed`, `joined` and `crashed`.
 */
export interface MetricSources {
  producer: Emitter;
  consumer: Emitter;
  /** Current group and topic of this instance's consumer (the group can be switched). */
  consumerTarget(): { groupId: string; topic: string };
  groupLag(groupId: string, topic: string, timeoutMs: number): Promise<Array<{ partition: number; lag: bigint }>>;
  instanceId(): string;
  /** Emits `handoff` ({ role }) when the embedded broker moves between instances. */
  broker?: Emitter;
  /** This instance hosts the embedded broker right now. */
  brokerHosting?(): boolean;
  logger: Logger;
  /** Scrapes wait at most this long for the broker before answering without lag. */
  lagTimeoutMs?: number;
}

export interface Metrics {
  contentType: string;
  render(): Promise<string>;
  /** Detaches the event listeners (the registry itself holds no timers). */
  close(): void;
}

const PREFIX = 'kafka_web_demo_';

/**
 * One prom-client Registry per app, never the global one, so several apps in one process (tests)
 * keep separate numbers. Counters follow service events; consumer lag is computed on scrape from
 * the broker's end offsets and the group's committed offsets, so it is never staler than the scrape.
 */
export function createMetrics(src: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const produced = new Counter({ name: `${PREFIX}messages_produced_total`, help: 'Messages acknowledged by Kafka', labelNames: ['topic'], registers: [registry] });
  const consumed = new Counter({ name: `${PREFIX}messages_consumed_total`, help: 'Messages consumed and stored by this instance', labelNames: ['topic'], registers: [registry] });
  const committed = new Counter({ name: `${PREFIX}offsets_committed_total`, help: 'Successful offset commits', labelNames: ['topic'], registers: [registry] });
  const commitFailures = new Counter({ name: `${PREFIX}offset_commit_failures_total`, help: 'Offset commits that failed', labelNames: ['topic'], registers: [registry] });
  const undecodable = new Counter({
    name: `${PREFIX}messages_undecodable_total`,
    help: 'Records (or whole record batches) this instance could not decode or process; shown on /consume and committed past',
    labelNames: ['topic'],
    registers: [registry],
  });
  const rebalances = new Counter({ name: `${PREFIX}consumer_rebalances_total`, help: 'Times this consumer (re)joined its group (kafkajs GROUP_JOIN)', registers: [registry] });
  const crashes = new Counter({ name: `${PREFIX}consumer_crashes_total`, help: 'Consumer crashes that led to a restart with a fresh client', registers: [registry] });
  new Gauge({
    name: `${PREFIX}instance_info`,
    help: 'Always 1; labels name this instance and its current consumer group',
    labelNames: ['instance', 'group', 'topic'],
    registers: [registry],
    collect() {
      this.reset();
      const { groupId, topic } = src.consumerTarget();
      this.set({ instance: src.instanceId(), group: groupId, topic }, 1);
    },
  });
  const handoffs = new Counter({
    name: `${PREFIX}broker_handoffs_total`,
    help: 'Hand-offs of the embedded broker seen by this instance: role="took_over" when this instance became the host, "observed" when another one did',
    labelNames: ['role'],
    registers: [registry],
  });
  for (const role of ['took_over', 'observed']) handoffs.inc({ role }, 0);
  new Gauge({
    name: `${PREFIX}broker_hosted_here`,
    help: '1 while this instance hosts the embedded broker, else 0',
    registers: [registry],
    collect() {
      this.set(src.brokerHosting?.() ? 1 : 0);
    },
  });
  const log = src.logger.child({ component: 'metrics' });
  const lagTimeoutMs = src.lagTimeoutMs ?? 2000;
  new Gauge({
    name: `${PREFIX}consumer_lag`,
    help: "Messages the consumer group still has to read, per partition (end offset minus committed offset; log start when nothing is committed)",
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      const { groupId, topic } = src.consumerTarget();
      try {
        for (const { partition, lag } of await src.groupLag(groupId, topic, lagTimeoutMs)) {
          this.set({ group: groupId, topic, partition: String(partition) }, Number(lag));
        }
      } catch (err) {
        // No lag series is more honest than a stale one; the scrape itself still succeeds.
        log.debug({ reason: (err as Error).message }, 'consumer lag unavailable for this scrape');
      }
    },
  });

  // Series for the configured topic exist from the start, so a scrape before any traffic
  // already shows 0 rather than nothing.
  const { topic } = src.consumerTarget();
  for (const c of [produced, consumed, committed, commitFailures, undecodable]) c.inc({ topic }, 0);

  const listeners: Array<() => void> = [];
  const on = (emitter: Emitter, event: string, fn: (...args: any[]) => void) => {
    emitter.on(event, fn);
    listeners.push(() => emitter.off(event, fn));
  };
  on(src.producer, 'produced', (r: { topic: string }) => produced.inc({ topic: r.topic }));
  on(src.consumer, 'message', (m: { topic: string }) => consumed.inc({ topic: m.topic }));
  on(src.consumer, 'committed', (c: { topic: string }) => committed.inc({ topic: c.topic }));
  on(src.consumer, 'commitFailed', (c: { topic: string }) => commitFailures.inc({ topic: c.topic }));
  on(src.consumer, 'undecodable', (m: { topic: string }) => undecodable.inc({ topic: m.topic }));
  on(src.consumer, 'joined', () => rebalances.inc());
  on(src.consumer, 'crashed', () => crashes.inc());
  if (src.broker) on(src.broker, 'handoff', (h: { role: string }) => handoffs.inc({ role: h.role }));

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: () => listeners.splice(0).forEach((off) => off()),
  };
}
