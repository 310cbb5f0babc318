import { EventEmitter } from 'node:events';
import { readDataDirLock, type LockInfo } from '../broker/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { BrokerHost } from './broker-host.js';
import { holdKafkaConnection, probeKafka } from './probe.js';

export type BrokerMode = 'embedded-started' | 'embedded-joined' | 'external';

/** Which process serves the embedded broker right now, as far as this instance knows. */
export interface BrokerHostInfo {
  /** The hosting app instance's id; null for a broker that is not an app instance (`npm run broker`). */
  instanceId: string | null;
  pid: number;
  /** When it took the data directory (ISO), if known. */
  since: string | null;
  /** This instance is the host. */
  self: boolean;
}

export interface BrokerStatus {
  /** `embedded-started`: this instance hosts the broker now; `embedded-joined`: another process does. */
  mode: BrokerMode;
  addresses: string[];
  /** Embedded mode only; null when unknown (external Kafka, or no readable lock). */
  host: BrokerHostInfo | null;
  /** The broker answered on the last check (embedded mode; external: not watched, always true). */
  reachable: boolean;
  /** Hand-offs of the embedded broker this instance has seen (including its own takeovers). */
  handoffs: number;
}

export interface HandoffEvent {
  /** `took_over`: this instance became the host; `observed`: another instance did. */
  role: 'took_over' | 'observed';
  from: BrokerHostInfo | null;
  to: BrokerHostInfo;
}

interface BrokerEvents {
  handoff: [HandoffEvent];
  /** The embedded broker stopped answering (this instance is a client of it). */
  lost: [];
  /** The embedded broker answers again after it was lost (whoever hosts it now). */
  available: [];
  /**
   * The broker that answers now is another process than the one before (or it cannot be told):
   * its group coordinator knows no members, so clients must join afresh.
   */
  replaced: [];
}

export interface BrokerConnection extends EventEmitter<BrokerEvents> {
  /** Current mode; in embedded mode it changes when this instance takes the broker over. */
  readonly mode: BrokerMode;
  /** Bootstrap addresses for the Kafka clients (fixed: a hand-off keeps the address). */
  readonly addresses: string[];
  status(): BrokerStatus;
  /** The instance id is final once the web server listens; the lock file follows it. */
  setInstanceId(id: string): void;
  /** Stops watching and never takes the broker over again (shutdown has begun). */
  stopWatching(): void;
  /** Stops watching, and closes the broker if this process hosts it (handing it over at once). */
  close(): Promise<void>;
}

export interface EmbeddedTiming {
  /** How long a probe or watch connection waits for an ApiVersions answer. */
  probeTimeoutMs: number;
  /** Pause between takeover attempts while nobody answers (plus up to as much again of jitter). */
  retryMs: number;
  /** How often a joined instance re-reads who holds the lock. */
  refreshMs: number;
  /** At start, how long to wait for a broker that holds the address but does not answer yet. */
  startupWaitMs: number;
}

const DEFAULT_TIMING: EmbeddedTiming = { probeTimeoutMs: 1500, retryMs: 100, refreshMs: 2000, startupWaitMs: 15_000 };

class ExternalBroker extends EventEmitter<BrokerEvents> implements BrokerConnection {
  readonly mode = 'external' as const;
  constructor(readonly addresses: string[]) {
    super();
  }
  status(): BrokerStatus {
    return { mode: 'external', addresses: [...this.addresses], host: null, reachable: true, handoffs: 0 };
  }
  setInstanceId(): void {}
  stopWatching(): void {}
  async close(): Promise<void> {}
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Embedded mode with no single point of failure: every instance can host the broker. One does;
 * the others are its clients and keep a connection to it open, which the kernel closes the
 * moment the host's process ends (SIGTERM, SIGKILL, crash). Each of them then races to take over:
 * bind the same address, lock the same data directory, recover the log, serve. The broker binds
 * before it locks, so exactly one wins and the others, refused with EADDRINUSE, stay clients of
 * the winner. The Kafka clients keep their bootstrap address and reconnect by themselves.
 */
class EmbeddedBroker extends EventEmitter<BrokerEvents> implements BrokerConnection {
  addresses: string[];
  private hosting = false;
  private stopped = false;
  private reachable = false;
  private handoffCount = 0;
  /** Last known holder of the lock (another process), or our own while we host. */
  private known: LockInfo | undefined;
  private watch: { close(): void } | undefined;
  private loop: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private lastFailure = '';
  private instanceId: string;
  private readonly log: Logger;

  constructor(
    private readonly config: AppConfig['embedded'],
    private readonly host: BrokerHost,
    instanceId: string,
    logger: Logger,
    private readonly timing: EmbeddedTiming,
  ) {
    super();
    this.addresses = [`${config.host}:${config.port}`];
    this.instanceId = instanceId;
    this.log = logger.child({ component: 'embedded' });
  }

  get mode(): BrokerMode {
    return this.hosting ? 'embedded-started' : 'embedded-joined';
  }

  status(): BrokerStatus {
    let host: BrokerHostInfo | null = null;
    if (this.hosting) {
      host = { instanceId: this.instanceId, pid: process.pid, since: this.host.status().since?.toISOString() ?? null, self: true };
    } else if (this.known) {
      host = describe(this.known);
    }
    return { mode: this.mode, addresses: [...this.addresses], host, reachable: this.hosting || this.reachable, handoffs: this.handoffCount };
  }

  setInstanceId(id: string): void {
    this.instanceId = id;
    void this.host.setOwner(id).catch((err) => this.log.warn({ err }, 'could not update the lock owner'));
  }

  /**
   * The broker this instance hosted died with its thread while the process lives on (its lock is
   * released by then): back to being a client that races for the broker like every other
   * instance, this one included, so whoever wins restarts it on the same address and data.
   */
  hostLost(reason: string): void {
    if (this.stopped || !this.hosting) return;
    this.hosting = false;
    this.reachable = false;
    this.log.error({ reason, broker: this.addresses[0] }, 'the embedded Kafka broker this instance hosted is gone; racing to restart it');
    this.emit('lost');
    // A private broker (port 0) has an address nobody else knows, and a new one could not keep it.
    if (this.config.port === 0) return;
    this.loop = this.run();
  }

  /** Fault injection for tests: the thread of the broker this instance hosts fails. */
  crashHostedBrokerThread(): void {
    this.host.crashThread();
  }

  /** Start-up: join a broker that answers, else host it; then keep watching. */
  async begin(): Promise<void> {
    const { host, port } = this.config;
    if (port === 0) {
      // A private broker on a random port, which nobody else can find: nothing to watch and
      // nobody to hand over to.
      const attempt = await this.host.start();
      if (!attempt.ok) throw new Error(attempt.message);
      this.addresses = [attempt.address];
      this.becameHost(undefined, false);
      this.log.info({ broker: attempt.address, dataDir: this.config.dataDir }, 'started the embedded Kafka broker in this process');
      return;
    }
    const until = Date.now() + this.timing.startupWaitMs;
    for (;;) {
      if (await this.answers()) {
        this.reachable = true;
        this.known = await this.readLock();
        this.log.info({ broker: this.addresses[0], host: this.known?.owner ?? null, hostPid: this.known?.pid ?? null }, 'a Kafka broker already answers on the embedded address; joining it');
        break;
      }
      const attempt = await this.host.start();
      if (attempt.ok) {
        this.becameHost(attempt.brokeStaleLock, false);
        this.log.info({ broker: attempt.address, dataDir: this.config.dataDir }, 'started the embedded Kafka broker in this process');
        break;
      }
      if (attempt.reason === 'data-dir-locked') throw new Error(attempt.message);
      // The address is taken but nobody answers yet: a successor may be recovering the log.
      if (Date.now() > until) throw new Error(`${host}:${port} is in use by something that does not answer as a Kafka broker`);
      await sleep(200);
    }
    this.loop = this.run();
  }

  private async answers(): Promise<boolean> {
    try {
      await probeKafka(this.config.host, this.config.port, this.timing.probeTimeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  private async readLock(): Promise<LockInfo | undefined> {
    const info = await readDataDirLock(this.config.dataDir).catch(() => undefined);
    // A lock about another address is some other broker's business (e.g. `npm run broker --port`).
    if (info?.port !== undefined && info.port !== this.config.port) return undefined;
    return info;
  }

  private becameHost(brokeStale: LockInfo | undefined, takeover: boolean): void {
    const previous = this.known ?? brokeStale;
    this.hosting = true;
    this.reachable = true;
    this.known = this.host.lockInfo();
    this.stopRefresh();
    if (!takeover) return;
    const to = this.status().host!;
    const from = previous ? describe(previous) : null;
    this.handoffCount++;
    this.log.info(
      { broker: this.addresses[0], from: from?.instanceId ?? null, fromPid: from?.pid ?? null, staleLock: brokeStale !== undefined, handoffs: this.handoffCount },
      'took over the embedded Kafka broker; this instance hosts it now',
    );
    this.emit('handoff', { role: 'took_over', from, to });
  }

  /** Watch while a client; race for the broker whenever it is gone. */
  private async run(): Promise<void> {
    let wasLost = false;
    while (!this.stopped && !this.hosting) {
      let held;
      try {
        held = await holdKafkaConnection(this.config.host, this.config.port, this.timing.probeTimeoutMs);
      } catch (err) {
        // Accepted but no answer: the broker is alive but slow (a loaded machine), or a successor
        // is still recovering the log. Either way the address is taken; wait for it.
        if ((err as NodeJS.ErrnoException).code === 'ESILENT' && !this.stopped) continue;
        held = undefined;
      }
      if (this.stopped) {
        held?.close();
        break;
      }
      if (held) {
        this.watch = held;
        this.reachable = true;
        const before = this.known;
        await this.noteHost();
        if (wasLost) {
          wasLost = false;
          this.emit('available');
          if (!before || !this.known || before.token !== this.known.token) this.emit('replaced');
        }
        this.startRefresh();
        await held.closed;
        this.stopRefresh();
        this.watch = undefined;
        if (this.stopped) break;
      }
      if (!wasLost) {
        wasLost = true;
        this.reachable = false;
        this.log.warn({ broker: this.addresses[0], host: this.known?.owner ?? null, hostPid: this.known?.pid ?? null }, 'the embedded Kafka broker is gone; trying to take it over');
        this.emit('lost');
      }
      if (!this.known) {
        // The broker we lost did not serve our data directory (another --data-dir, or a broker
        // elsewhere): taking over with our directory would serve other data under its address.
        if (this.lastFailure !== 'foreign') this.log.warn({ dataDir: this.config.dataDir }, 'the lost broker did not use this instance\'s data directory; waiting for it instead of taking over');
        this.lastFailure = 'foreign';
        await sleep(1000);
        continue;
      }
      if (await this.tryTakeover()) {
        this.emit('available');
        this.emit('replaced');
        break;
      }
      await sleep(this.timing.retryMs + Math.random() * this.timing.retryMs);
    }
  }

  private async tryTakeover(): Promise<boolean> {
    if (this.stopped) return false;
    try {
      const attempt = await this.host.start();
      if (this.stopped) {
        if (attempt.ok) await this.host.stop();
        return false;
      }
      if (attempt.ok) {
        this.becameHost(attempt.brokeStaleLock, true);
        return true;
      }
      this.log.debug({ reason: attempt.message }, 'another process serves or holds the embedded broker; staying a client');
      if (attempt.reason === 'data-dir-locked') {
        // A live process holds the directory without serving this address (another broker on
        // another port?): nothing will change within milliseconds.
        if (attempt.message !== this.lastFailure) this.log.warn({ reason: attempt.message }, 'cannot take over the embedded Kafka broker: its data directory is held by another process');
        this.lastFailure = attempt.message;
        await sleep(1000);
      }
      return false;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastFailure) this.log.error({ err }, 'could not take over the embedded Kafka broker; will retry');
      this.lastFailure = message;
      await sleep(1000);
      return false;
    }
  }

  /** Reads who holds the lock; a different holder than before is a hand-off seen from here. */
  private async noteHost(): Promise<void> {
    const info = await this.readLock();
    if (!info) return;
    const before = this.known;
    this.known = info;
    if (before && before.token !== info.token) {
      this.handoffCount++;
      const to = describe(info);
      this.log.info({ broker: this.addresses[0], from: before.owner ?? null, fromPid: before.pid, to: to.instanceId, toPid: to.pid, handoffs: this.handoffCount }, 'the embedded Kafka broker moved to another process');
      this.emit('handoff', { role: 'observed', from: describe(before), to });
    }
  }

  private startRefresh(): void {
    this.stopRefresh();
    this.refreshTimer = setInterval(() => void this.noteHost(), this.timing.refreshMs);
    this.refreshTimer.unref();
  }

  private stopRefresh(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  stopWatching(): void {
    this.stopped = true;
    this.stopRefresh();
    this.watch?.close();
  }

  async close(): Promise<void> {
    this.stopWatching();
    await this.loop?.catch(() => {});
    // Also when only a client: that ends the broker thread kept ready for a takeover.
    await this.host.stop();
    this.hosting = false;
  }
}

/** Another process's lock (or another app in this process, in tests): never ourselves, since we would be hosting. */
function describe(info: LockInfo): BrokerHostInfo {
  return { instanceId: info.owner ?? null, pid: info.pid, since: info.since || null, self: false };
}

/**
 * Decides where Kafka is. With `brokers: embedded` we first ask the configured address whether a
 * Kafka broker already answers (another instance, or `npm run broker`) and join it; only if
 * nobody does do we start one in-process. From then on every instance can take the broker over
 * (see EmbeddedBroker). With `embedded.port` 0 each instance has a private broker on a random
 * port, which nobody else can find, so there is nothing to hand over.
 */
export async function connectBroker(
  config: AppConfig,
  logger: Logger,
  instanceId = config.instance.id ?? '',
  timing: Partial<EmbeddedTiming> = {},
): Promise<BrokerConnection> {
  if (config.kafka.brokers !== 'embedded') {
    const addresses = [...config.kafka.brokers];
    logger.info({ brokers: addresses }, 'using external Kafka');
    return new ExternalBroker(addresses);
  }

  const { host, port, dataDir, partitions, thread } = config.embedded;
  let embedded: EmbeddedBroker | undefined = undefined;
  const brokerHost = new BrokerHost({
    host,
    port,
    dataDir,
    partitions,
    thread,
    maxValueBytes: config.messages.maxBytes,
    owner: instanceId,
    logger,
    onThreadLost: (reason) => embedded?.hostLost(reason),
  });
  embedded = new EmbeddedBroker(config.embedded, brokerHost, instanceId, logger, { ...DEFAULT_TIMING, ...timing });
  await embedded.begin();
  return embedded;
}
