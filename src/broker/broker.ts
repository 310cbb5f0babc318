import { createServer, type Server, type Socket } from 'node:net';
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { DEFAULT_BROKER_CONFIG, type BrokerConfig } from './config.js';
import { GroupCoordinator } from './groups/coordinator.js';
import { createHandlerTable } from './handlers/index.js';
import type { BrokerContext } from './handlers/types.js';
import { Connection } from './server/connection.js';
import { FramePool } from './server/frame-pool.js';
import { CRC32C_IMPLEMENTATION } from './protocol/crc32c.js';
import { LogManager } from './storage/log-manager.js';
import { ProducerStateManager } from './producers/producer-state.js';

export type BrokerOptions = Partial<BrokerConfig> & { dataDir: string; logger?: Logger };

export interface RunningBroker {
  /** The advertised host (what clients are told to connect to). */
  readonly host: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** "host:port" as advertised to clients. */
  readonly address: string;
  readonly config: BrokerConfig;
  readonly logs: LogManager;
  readonly groups: GroupCoordinator;
  /** Requests handled so far, per "ApiName vN" (the versions clients negotiated). */
  requestsSeen(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Starts a single-node Kafka-protocol broker: loads (and recovers) the log from dataDir, then
 * listens. Resolves once clients can connect.
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { logger: givenLogger, ...rest } = options;
  const config: BrokerConfig = { ...DEFAULT_BROKER_CONFIG, ...stripUndefined(rest), dataDir: resolve(options.dataDir) };
  const logger = givenLogger ?? pino({ name: 'broker', level: process.env.LOG_LEVEL ?? 'info' });
  await mkdir(config.dataDir, { recursive: true });

  const logs = await LogManager.open({
    dataDir: config.dataDir,
    defaults: {
      segmentBytes: config.segmentBytes,
      segmentMs: config.segmentMs,
      retentionMs: config.retentionMs,
      retentionBytes: config.retentionBytes,
    },
    logger: logger.child({ component: 'storage' }),
  });
  const groups = new GroupCoordinator({
    offsets: logs.offsets,
    initialRebalanceDelayMs: config.initialRebalanceDelayMs,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    logger: logger.child({ component: 'groups' }),
  });
  const producers = await ProducerStateManager.open(config.dataDir);
  const shutdown = new AbortController();
  // Every parked Fetch listens for shutdown; dozens at once are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  let advertised = { host: config.advertisedHost ?? config.host, port: config.advertisedPort ?? config.port };
  const context: BrokerContext = {
    config,
    logs,
    groups,
    producers,
    logger,
    shutdown: shutdown.signal,
    requestsSeen: new Map(),
    advertised: () => advertised,
  };

  const handlers = createHandlerTable();
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;
  const framePool = new FramePool();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new Connection(socket, context, handlers, nextConnectionId++, (c) => connections.delete(c), framePool);
    connections.add(conn);
  });

  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (err) {
    groups.close();
    await logs.close();
    throw err;
  }
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : config.port;
  advertised = {
    host: config.advertisedHost ?? (config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host),
    port: config.advertisedPort ?? boundPort,
  };
  config.port = boundPort;

  const retentionTimer = setInterval(() => {
    logs.enforceRetention().catch((err) => logger.error({ err }, 'retention check failed'));
  }, config.retentionCheckIntervalMs);
  retentionTimer.unref();

  logger.info(
    { host: config.host, port: boundPort, advertised: `${advertised.host}:${advertised.port}`, dataDir: config.dataDir, crc32c: CRC32C_IMPLEMENTATION },
    'embedded Kafka broker listening',
  );

  let closing: Promise<void> | undefined;
  return {
    host: advertised.host,
    port: boundPort,
    address: `${advertised.host}:${advertised.port}`,
    requestsSeen: () => Object.fromEntries(context.requestsSeen),
    config,
    logs,
    groups,
    close() {
      closing ??= (async () => {
        clearInterval(retentionTimer);
        shutdown.abort();
        const serverClosed = new Promise<void>((r) => server.close(() => r()));
        for (const c of connections) c.close();
        for (const s of sockets) s.destroy();
        groups.close();
        await serverClosed;
        await logs.close();
        logger.info('embedded Kafka broker stopped');
      })();
      return closing;
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
