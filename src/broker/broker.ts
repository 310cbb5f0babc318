import { createServer, type Server, type Socket } from 'node:net';
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { silentLogger, type BrokerLogger } from './logger.js';
import { DEFAULT_BROKER_CONFIG, type BrokerConfig } from './config.js';
import { GroupCoordinator } from './groups/coordinator.js';
import { createHandlerTable } from './handlers/index.js';
import type { BrokerContext } from './handlers/types.js';
import { Connection } from './server/connection.js';
import { FramePool } from './server/frame-pool.js';
import { RequestMemory } from './server/request-memory.js';
import { CRC32C_IMPLEMENTATION } from './protocol/crc32c.js';
import { LogManager } from './storage/log-manager.js';
import type { LockInfo } from './storage/data-dir-lock.js';
import { ProducerStateManager } from './producers/producer-state.js';

export type BrokerOptions = Partial<BrokerConfig> & {
  dataDir: string;
  /** Where the broker's lines go (pino's Logger fits); none: silent. */
  logger?: BrokerLogger;
  /** Written into the data directory's lock file, so other processes can tell who serves it. */
  lockOwner?: string;
};

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
  /** Resource use right now: connections, request memory, open segment files, partitions. */
  stats(): BrokerStats;
  /** The data directory's lock as held now; `brokeStale` names a dead holder it replaced. */
  lockInfo(): LockInfo;
  readonly brokeStaleLock: LockInfo | undefined;
  /** Rewrites the lock file's owner label (e.g. once the owner knows its own name). */
  setLockOwner(owner: string): Promise<void>;
  /** Requests handled so far, per "ApiName vN" (the versions clients negotiated). */
  requestsSeen(): Record<string, number>;
  /** Releases the data directory before the port, so a successor can take over at once. */
  close(): Promise<void>;
}

export interface BrokerStats {
  connections: number;
  /** Request bytes held over all connections: received and not yet handled (or being handled). */
  bufferedRequestBytes: number;
  /** Request bytes reserved (a frame reserves its whole size when its size prefix arrives). */
  reservedRequestBytes: number;
  /** The budget both of the above stay within (queuedMaxRequestBytes). */
  queuedMaxRequestBytes: number;
  /** Connections not being read because their next request does not fit in the budget. */
  connectionsWaitingForMemory: number;
  /** Free frame buffers kept for reuse. */
  pooledFrameBytes: number;
  openSegmentFiles: number;
  maxOpenFiles: number;
  partitions: number;
  maxPartitions: number;
}

/**
 * Starts a single-node Kafka-protocol broker: binds its address, locks and loads (recovers) the
 * log from dataDir, then serves. Resolves once clients are served. Fails with EADDRINUSE, or a
 * DataDirLockedError, without having read the directory.
 */
export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { logger: givenLogger, lockOwner: _lockOwner, ...rest } = options;
  const config: BrokerConfig = { ...DEFAULT_BROKER_CONFIG, ...stripUndefined(rest), dataDir: resolve(options.dataDir) };
  for (const key of ['maxRequestBytes', 'queuedMaxRequestBytes', 'maxConnectionRequestBytes', 'maxPartitions', 'consumerSessionTimeoutMs', 'consumerHeartbeatIntervalMs'] as const) {
    if (!Number.isSafeInteger(config[key]) || config[key] < 1) throw new Error(`broker setting ${key} must be a positive integer, got ${config[key]}`);
  }
  // Kafka's GroupCoordinatorConfig refuses the same: the interval must be below the session timeout.
  if (config.consumerHeartbeatIntervalMs >= config.consumerSessionTimeoutMs) {
    throw new Error(
      `broker setting consumerHeartbeatIntervalMs (${config.consumerHeartbeatIntervalMs}) must be lower than consumerSessionTimeoutMs (${config.consumerSessionTimeoutMs})`,
    );
  }
  const logger = givenLogger ?? silentLogger;
  await mkdir(config.dataDir, { recursive: true });

  // The address first: only one process can bind host:port, so among brokers contending for one
  // address (app instances taking over after the host died) exactly one gets past this line and
  // goes on to lock and open the directory; the others fail with EADDRINUSE having touched
  // nothing. Connections that arrive while the log is being recovered wait, paused, until it is
  // open, instead of being refused.
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const parked: Socket[] = [];
  let accept: ((socket: Socket) => void) | undefined;
  let closingServer = false;
  const server: Server = createServer({ pauseOnConnect: true }, (socket) => {
    if (closingServer) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (accept) accept(socket);
    else parked.push(socket);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : config.port;
  const stopListening = async () => {
    closingServer = true;
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };

  let logs: LogManager;
  try {
    logs = await LogManager.open({
      dataDir: config.dataDir,
      defaults: {
        segmentBytes: config.segmentBytes,
        segmentMs: config.segmentMs,
        retentionMs: config.retentionMs,
        retentionBytes: config.retentionBytes,
      },
      logger: logger.child({ subsystem: 'storage' }),
      lock: { owner: options.lockOwner, address: { host: config.host, port: boundPort } },
      maxOpenFiles: config.maxOpenFiles,
      maxPartitions: config.maxPartitions,
    });
  } catch (err) {
    await stopListening();
    throw err;
  }
  const groups = new GroupCoordinator({
    offsets: logs.offsets,
    initialRebalanceDelayMs: config.initialRebalanceDelayMs,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    consumerSessionTimeoutMs: config.consumerSessionTimeoutMs,
    consumerHeartbeatIntervalMs: config.consumerHeartbeatIntervalMs,
    topics: logs,
    logger: logger.child({ subsystem: 'groups' }),
  });
  let producers: ProducerStateManager;
  try {
    producers = await ProducerStateManager.open(config.dataDir);
  } catch (err) {
    groups.close();
    await logs.close();
    await stopListening();
    throw err;
  }
  const shutdown = new AbortController();
  // Every parked Fetch listens for shutdown; dozens at once are normal, not a leak.
  setMaxListeners(0, shutdown.signal);
  const advertised = {
    host: config.advertisedHost ?? (config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host),
    port: config.advertisedPort ?? boundPort,
  };
  config.port = boundPort;
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
  let nextConnectionId = 1;
  const framePool = new FramePool();
  const memory = new RequestMemory(config.queuedMaxRequestBytes, config.maxConnectionRequestBytes);
  accept = (socket) => {
    const conn = new Connection(socket, context, handlers, nextConnectionId++, (c) => connections.delete(c), framePool, memory);
    connections.add(conn);
    socket.resume();
  };
  for (const socket of parked.splice(0)) if (!socket.destroyed) accept(socket);

  const retentionTimer = setInterval(() => {
    logs.enforceRetention().catch((err) => logger.error({ err }, 'retention check failed'));
  }, config.retentionCheckIntervalMs);
  retentionTimer.unref();

  logger.info(
    {
      host: config.host,
      port: boundPort,
      advertised: `${advertised.host}:${advertised.port}`,
      dataDir: config.dataDir,
      crc32c: CRC32C_IMPLEMENTATION,
      maxOpenFiles: logs.files.capacity,
      maxPartitions: logs.maxPartitions,
      queuedMaxRequestBytes: config.queuedMaxRequestBytes,
    },
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
    stats() {
      let buffered = 0;
      let waiting = 0;
      for (const c of connections) {
        buffered += c.heldBytes;
        if (c.isWaitingForMemory) waiting++;
      }
      const files = logs.files.stats();
      return {
        connections: connections.size,
        bufferedRequestBytes: buffered,
        reservedRequestBytes: memory.reserved,
        queuedMaxRequestBytes: memory.limit,
        connectionsWaitingForMemory: waiting,
        pooledFrameBytes: framePool.retainedBytes,
        openSegmentFiles: files.open,
        maxOpenFiles: files.capacity,
        partitions: logs.partitionCount(),
        maxPartitions: logs.maxPartitions,
      };
    },
    lockInfo: () => logs.lock.info(),
    brokeStaleLock: logs.lock.brokeStale,
    setLockOwner: (owner) => logs.lock.setOwner(owner),
    close() {
      closing ??= (async () => {
        clearInterval(retentionTimer);
        shutdown.abort();
        // New connections are refused from here on, but the port stays bound until the lock is
        // released: a process taking over (binds, then locks) then finds the directory free
        // instead of racing our last writes.
        closingServer = true;
        for (const c of connections) c.close();
        for (const s of sockets) s.destroy();
        groups.close();
        await logs.close();
        await stopListening();
        logger.info('embedded Kafka broker stopped');
      })();
      return closing;
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
