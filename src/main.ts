/**
 * Composition root: config -> broker (embedded or external) -> Kafka services -> web -> shutdown.
 * `startApp` is exported so tests can run the whole stack in-process; running this file starts it
 * from process.argv / process.env.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FIELDS, ConfigError, loadConfig, type AppConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { connectBroker, type BrokerConnection } from './kafka/broker-connection.js';
import { createKafkaGateway, kafkaSecurity, probeTls } from './kafka/gateway/index.js';
import { probeAny } from './kafka/probe.js';
import { withTimeout } from './kafka/timing.js';
import { ProducerService } from './kafka/producer-service.js';
import { ConsumerWorker } from './kafka/consumer-worker.js';
import { AdminService } from './kafka/admin-service.js';
import { TopicBrowser } from './kafka/topic-browser.js';
import { ClusterHistory } from './kafka/cluster-history.js';
import { TourTracker } from './web/tour.js';
import { FailureSwitch } from './kafka/failure-switch.js';
import { MessageStore } from './messages/store.js';
import { createApp } from './web/app.js';
import { listen } from './web/server.js';
import { resolveSecrets } from './web/secrets.js';
import { createMetrics } from './web/metrics.js';
import { MessageStream, type MessageStreamOptions } from './web/sse.js';

export interface RunningApp {
  url: string;
  port: number;
  instanceId: string;
  broker: BrokerConnection;
  producer: ProducerService;
  consumer: ConsumerWorker;
  admin: AdminService;
  failure: FailureSwitch;
  streams: MessageStream;
  store: MessageStore;
  /** Graceful stop; safe to call more than once. */
  stop(): Promise<void>;
}

/** Shutdown budget; the whole stop sequence is bounded so SIGTERM exits within 5 s. */
export const SHUTDOWN_TIMEOUT_MS = 5000;

function displayHost(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::' || bindHost === '') return os.hostname();
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

export interface StartOptions {
  /** What the `no-commit-crash` failure mode calls; process.exit unless a test replaces it. */
  exit?: (code: number) => void;
  /** Live-stream limits (tests use a short heartbeat). */
  streams?: MessageStreamOptions;
}

export async function startApp(config: AppConfig, logger: Logger, options: StartOptions = {}): Promise<RunningApp> {
  // Read the CA file before anything starts, so a bad path fails fast and alone.
  const security = kafkaSecurity(config.kafka);
  let instanceId = config.instance.id ?? `${displayHost(config.http.host)}:${config.http.port}`;
  const broker = await connectBroker(config, logger, instanceId);
  let shuttingDown = false;

  const gateway = createKafkaGateway({
    brokers: broker.addresses,
    clientId: config.kafka.clientId,
    connectionTimeoutMs: config.kafka.connectionTimeoutMs,
    requestTimeoutMs: config.kafka.requestTimeoutMs,
    logger,
    security,
  });
  const store = new MessageStore(config.messages.capacity);
  const producer = new ProducerService({
    gateway,
    logger,
    brokers: broker.addresses,
    idempotence: config.kafka.idempotence,
    sendTimeoutMs: config.kafka.sendTimeoutMs,
    probeTls: probeTls(security),
    maxKeyBytes: config.messages.maxKeyBytes,
  });
  const failure = new FailureSwitch({
    mode: config.failure.mode,
    afterMessages: config.failure.afterMessages,
    stallMs: config.failure.stallMs,
    logger,
    exit: options.exit,
  });
  const consumer = new ConsumerWorker({
    gateway,
    logger,
    store,
    topic: config.kafka.topic,
    groupId: config.kafka.groupId,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
    instanceId: () => instanceId,
    hooks: failure.hooks,
    probe: () => probeAny(broker.addresses, 1000, probeTls(security)),
  });
  const admin = new AdminService({ gateway, logger, timeoutMs: config.kafka.sendTimeoutMs * 2 });
  const topics = new TopicBrowser({
    gateway: {
      brokers: broker.addresses,
      clientId: config.kafka.clientId,
      connectionTimeoutMs: config.kafka.connectionTimeoutMs,
      requestTimeoutMs: config.kafka.requestTimeoutMs,
      logger,
      security,
    },
    logger,
    timeoutMs: config.kafka.sendTimeoutMs * 2,
  });
  const streams = new MessageStream(store, options.streams);
  const history = new ClusterHistory({ logger });
  const tour = new TourTracker();
  producer.on('produced', () => tour.sent());
  consumer.on('message', (m) => tour.consumed(m));
  consumer.on('joined', () => history.noteJoin(consumer.status().groupId));
  consumer.on('generation', ({ groupId, memberId, generationId }) => history.noteGeneration(groupId, memberId, generationId));
  const metrics = createMetrics({
    producer,
    consumer,
    consumerTarget: () => ({ groupId: consumer.status().groupId, topic: config.kafka.topic }),
    groupLag: (groupId, topic, timeoutMs) => admin.groupLag(groupId, topic, timeoutMs),
    instanceId: () => instanceId,
    broker,
    brokerHosting: () => broker.mode === 'embedded-started',
    logger,
  });
  // The embedded broker moving between instances: readiness follows at once, and the clients
  // reconnect as soon as it answers again instead of waiting out their backoff.
  broker.on('lost', () => producer.checkNow());
  broker.on('available', () => producer.reconnectNow());
  broker.on('replaced', () => void consumer.rejoin());

  // A stall belongs to the membership being left: pausing or switching ends it, so leaving is
  // not held up for the rest of the stall.
  const consumerControls = {
    status: () => consumer.status(),
    pause: () => {
      failure.abortStall();
      return consumer.pause();
    },
    resume: () => consumer.resume(),
    switchGroup: (groupId: string) => {
      failure.abortStall();
      return consumer.switchGroup(groupId);
    },
  };

  const app = createApp({
    config,
    logger,
    producer,
    consumer: consumerControls,
    admin,
    failure,
    metrics,
    streams,
    store,
    broker: { status: () => broker.status() },
    instanceId: () => instanceId,
    lifecycle: { isShuttingDown: () => shuttingDown },
    secrets: resolveSecrets(config.secrets, logger),
    topics,
    history,
    tour,
  });

  let server;
  try {
    server = await listen(app, config.http.host, config.http.port);
  } catch (err) {
    metrics.close();
    await broker.close().catch(() => {});
    throw err;
  }
  if (!config.instance.id) instanceId = `${displayHost(config.http.host)}:${server.port}`;
  broker.setInstanceId(instanceId);
  const url = `http://${displayHost(config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host)}:${server.port}`;

  producer.start();
  consumer.start();
  // Only this instance's topic and groups: a full view of a shared cluster every few seconds
  // would describe every group in it.
  history.start(() => admin.partialView(config.kafka.topic, [config.kafka.groupId, consumer.status().groupId]));
  logger.info(
    { url, instance: instanceId, broker: broker.mode, topic: config.kafka.topic, groupId: config.kafka.groupId, failureMode: config.failure.mode },
    'web app listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      shuttingDown = true;
      logger.info('shutting down');
      // A stopping instance must not take the broker over; if it hosts, it hands over below.
      broker.stopWatching();
      const started = Date.now();
      const left = () => Math.max(100, SHUTDOWN_TIMEOUT_MS - 500 - (Date.now() - started));
      // Live streams never end by themselves; close them so the server can close at once.
      streams.closeAll();
      history.stop();
      await server.close(Math.min(1500, left()));
      // A stalled handler would hold the consumer's disconnect for the whole stall.
      failure.abortStall();
      await consumer.stop(Math.min(2000, left()));
      await Promise.all([producer.stop(Math.min(1000, left())), admin.stop(Math.min(1000, left())), topics.stop(Math.min(1000, left()))]);
      metrics.close();
      await withTimeout(broker.close(), left(), 'embedded broker close timed out').catch((err) =>
        logger.warn({ err }, 'embedded broker did not close cleanly'),
      );
      logger.info({ tookMs: Date.now() - started }, 'stopped');
    })());

  return { url, port: server.port, instanceId, broker, producer, consumer, admin, failure, streams, store, stop };
}

function usage(): string {
  const rows = CONFIG_FIELDS.map((f) => {
    const names = [f.flag ? `--${f.flag}` : '', f.env ?? ''].filter(Boolean).join(', ');
    return `  ${names.padEnd(44)} ${f.path}: ${f.description.replace(/`/g, '')}`;
  });
  return [
    'Usage: npm start -- [--flag value | --flag=value ...]',
    '',
    'Settings (flag, environment variable, config/default.json path). Precedence:',
    'flags > environment > .env > config/default.json. Also: --urls=http://host:port.',
    '',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(usage());
    return;
  }
  let config: AppConfig;
  try {
    config = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.log.level, {}, config.log.format);

  let running: RunningApp;
  try {
    running = await startApp(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.exit(1);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    // Hard stop if anything in the graceful path hangs; a second signal also forces it.
    setTimeout(() => {
      logger.error('graceful shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    process.once(signal, () => process.exit(1));
    running.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) void main();
