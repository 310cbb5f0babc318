/** kafkajs's log lines, bridged into pino at levels chosen on purpose. */
import { logLevel, type LogEntry } from 'kafkajs';
import { LogThrottle, type Logger } from '../../logger.js';

/**
 * kafkajs logs things we already handle; these are demoted to debug so the log shows each
 * problem once, at our level of detail.
 */
const DEMOTED = [
  // Idempotent + bounded retries: we bound them on purpose so a dead broker fails a request in
  // seconds instead of retrying forever (see docs/web-app.md).
  'Limiting retries for the idempotent producer',
];

/**
 * Kafka error texts that are part of normal group and cluster life (a rebalance, a coordinator or
 * leader moving), which kafkajs logs at error level as failed responses and then handles.
 */
const EXPECTED_PROTOCOL_ERRORS = [
  /group is rebalancing/i,
  /coordinator is (loading|not available)|not the correct coordinator|not coordinator/i,
  /coordinator is not aware of this member/i,
  /generation id is not valid|illegal generation|unknown member/i,
  /no leader for this topic-partition|not the leader|leader (is )?not available|leadership election/i,
  /does not host this topic-partition|unknown topic or partition/i,
];

/** What a broker outage looks like from kafkajs; the services report the outage themselves (warn). */
const CONNECTIVITY = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|EPIPE|Connection error|Connection timeout|Closed connection|Failed to connect|KafkaJSConnection|Request .* timed out|broker not connected/i;

export type BridgedLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * The level a kafkajs log line gets in our log, chosen deliberately: expected conditions
 * (rebalances, coordinator/leader moves) are info, an unreachable broker is warn (the services
 * log the outage and recover), and only the rest keeps kafkajs's own level.
 */
export function kafkajsLevel(level: number, message: string, extra: Record<string, unknown> = {}): BridgedLevel {
  if (DEMOTED.some((d) => message.startsWith(d))) return 'debug';
  const detail = `${message} ${typeof extra.error === 'string' ? extra.error : ''}`;
  const own: BridgedLevel =
    level === logLevel.ERROR || level === logLevel.NOTHING ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
  if (own === 'debug' || own === 'info') return own;
  if (EXPECTED_PROTOCOL_ERRORS.some((re) => re.test(detail))) return 'info';
  if (CONNECTIVITY.test(detail)) return 'warn';
  return own;
}

export function bridgeLogs(logger: Logger) {
  const base = logger.child({ component: 'kafkajs' });
  // kafkajs repeats the same line on every retry of every client during an outage.
  const throttle = new LogThrottle();
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _ts, logger: _l, ...extra } = log as LogEntry['log'] & { logger?: string };
      const fields = { namespace, ...extra };
      const target = kafkajsLevel(level, message, extra);
      if (target === 'debug') return base.debug(fields, message);
      throttle.log(base, target, `${namespace}:${target}:${message}`, fields, message);
    };
}
