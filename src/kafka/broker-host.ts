import { DataDirLockedError, DEFAULT_BROKER_CONFIG, startBroker, type LockInfo, type RunningBroker } from '../broker/index.js';
import type { Logger } from '../logger.js';

/** Room for key, headers and record/batch headers on top of the largest value we accept. */
const BATCH_OVERHEAD_ALLOWANCE = 64 * 1024;

export interface BrokerHostOptions {
  host: string;
  port: number;
  dataDir: string;
  partitions: number;
  /** The app's largest message value; the broker's batch limit follows it. */
  maxValueBytes: number;
  /** Written into the data directory's lock so the other instances can show who hosts. */
  owner: string;
  logger: Logger;
}

export type HostAttempt =
  | { ok: true; address: string; port: number; since: Date; brokeStaleLock: LockInfo | undefined }
  /** Someone else serves the address, or holds the directory: we stay a client. */
  | { ok: false; reason: 'address-in-use' | 'data-dir-locked'; message: string };

export interface BrokerHostStatus {
  running: boolean;
  address: string | undefined;
  since: Date | undefined;
}

/**
 * Hosts the embedded broker for this app instance: start (which may lose the race for the address
 * or the data directory, and then says so instead of throwing), stop, status. It runs the broker
 * on this process's event loop today; moving it to a worker thread or a child process only has to
 * change this module.
 */
export class BrokerHost {
  private broker: RunningBroker | undefined;
  private since: Date | undefined;
  private pending: Promise<HostAttempt> | undefined;
  private owner: string;

  constructor(private readonly opts: BrokerHostOptions) {
    this.owner = opts.owner;
  }

  status(): BrokerHostStatus {
    return { running: this.broker !== undefined, address: this.broker?.address, since: this.since };
  }

  /** The lock this instance holds while it hosts. */
  lockInfo(): LockInfo | undefined {
    return this.broker?.lockInfo();
  }

  start(): Promise<HostAttempt> {
    if (this.broker) {
      return Promise.resolve({ ok: true, address: this.broker.address, port: this.broker.port, since: this.since!, brokeStaleLock: undefined });
    }
    this.pending ??= this.startOnce().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async startOnce(): Promise<HostAttempt> {
    const { host, port, dataDir, partitions } = this.opts;
    try {
      const broker = await startBroker({
        host,
        port,
        dataDir,
        defaultPartitions: partitions,
        lockOwner: this.owner,
        // Kafka's group.min.session.timeout.ms (6 s) protects shared clusters from flapping members;
        // for a local broker, accept every session timeout the app's config allows, so the
        // failure-switch demos and tests can use short ones, also from instances that join later.
        minSessionTimeoutMs: 1000,
        // Kafka's message.max.bytes (1048588) bounds the whole record batch, so a value of exactly
        // messages.maxBytes plus key and batch overhead would be refused. Our own broker follows
        // the app's limit; a joined or external broker keeps its own setting (413 "too large").
        maxMessageBytes: Math.max(DEFAULT_BROKER_CONFIG.maxMessageBytes, this.opts.maxValueBytes + BATCH_OVERHEAD_ALLOWANCE),
        logger: this.opts.logger.child({ component: 'broker' }),
      });
      this.broker = broker;
      this.since = new Date();
      return { ok: true, address: broker.address, port: broker.port, since: this.since, brokeStaleLock: broker.brokeStaleLock };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        return { ok: false, reason: 'address-in-use', message: `${host}:${port} is in use` };
      }
      if (err instanceof DataDirLockedError) return { ok: false, reason: 'data-dir-locked', message: err.message };
      throw err;
    }
  }

  async setOwner(owner: string): Promise<void> {
    this.owner = owner;
    await this.broker?.setLockOwner(owner);
  }

  /** Closes the broker, releasing the data directory before the address. */
  async stop(): Promise<void> {
    await this.pending?.catch(() => undefined);
    const broker = this.broker;
    this.broker = undefined;
    this.since = undefined;
    if (broker) await broker.close();
  }
}
