// Standalone embedded broker: `npm run broker -- --port 9092 --data-dir ./data/kafka`.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startBroker } from './broker.js';

const USAGE = `Usage: npm run broker -- [options]
  --port <n>                   TCP port (default 9092; 0 = any free port)
  --host <addr>                interface to bind (default 127.0.0.1)
  --advertised-host <host>     host name written into metadata (default: the bound host)
  --data-dir <dir>             where topics, logs and offsets live (default ./data/kafka)
  --partitions <n>             partitions of auto-created topics (default 3)
  --no-auto-create             do not create unknown topics on Metadata
  --initial-rebalance-delay-ms <n>  group.initial.rebalance.delay.ms (default 100)
  --consumer-session-timeout-ms <n>  group.consumer.session.timeout.ms, KIP-848 groups (default 45000)
  --consumer-heartbeat-interval-ms <n>  group.consumer.heartbeat.interval.ms (default 5000)
  --max-partitions <n>         partitions over all topics that creates may reach (default 10000)
  --max-open-files <n>         segment files open at once (default: from ulimit -n)
  --queued-max-request-bytes <n>  request bytes buffered over all connections (default 268435456)
  --log-level <level>          pino level (default info)
  -h, --help`;

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name}: expected an integer ${min}-${max}, got '${value}'`);
    process.exit(2);
  }
  return n;
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'advertised-host': { type: 'string' },
      'data-dir': { type: 'string' },
      partitions: { type: 'string' },
      'no-auto-create': { type: 'boolean' },
      'initial-rebalance-delay-ms': { type: 'string' },
      'consumer-session-timeout-ms': { type: 'string' },
      'consumer-heartbeat-interval-ms': { type: 'string' },
      'max-partitions': { type: 'string' },
      'max-open-files': { type: 'string' },
      'queued-max-request-bytes': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const logger = pino({ name: 'broker', level: args['log-level'] ?? process.env.LOG_LEVEL ?? 'info' });
const broker = await startBroker({
  dataDir: args['data-dir'] ?? './data/kafka',
  host: args.host ?? '127.0.0.1',
  port: int('port', args.port, 0, 65535) ?? 9092,
  advertisedHost: args['advertised-host'],
  defaultPartitions: int('partitions', args.partitions, 1, 10_000),
  autoCreateTopics: args['no-auto-create'] ? false : undefined,
  initialRebalanceDelayMs: int('initial-rebalance-delay-ms', args['initial-rebalance-delay-ms'], 0, 300_000),
  consumerSessionTimeoutMs: int('consumer-session-timeout-ms', args['consumer-session-timeout-ms'], 1, 86_400_000),
  consumerHeartbeatIntervalMs: int('consumer-heartbeat-interval-ms', args['consumer-heartbeat-interval-ms'], 1, 86_400_000),
  maxPartitions: int('max-partitions', args['max-partitions'], 1, 1_000_000),
  maxOpenFiles: int('max-open-files', args['max-open-files'], 1, 1_000_000),
  queuedMaxRequestBytes: int('queued-max-request-bytes', args['queued-max-request-bytes'], 1, Number.MAX_SAFE_INTEGER),
  logger,
}).catch((err: Error) => {
  logger.fatal({ err }, 'broker failed to start');
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    broker.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  });
}
