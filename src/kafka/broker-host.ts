import { Worker } from 'node:worker_threads';
import { DataDirLockedError, DEFAULT_BROKER_CONFIG, releaseDataDirLock, startBroker, type BrokerOptions, type BrokerStats, type LockInfo } from '../broker/index.js';
import type { Logger } from '../logger.js';
import type { FromWorker, Request, ToWorker, WorkerData } from './broker-worker-protocol.js';

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
  /**
   * `worker` (default): the broker runs on its own thread of this process, so the web app, its
   * consumer and the broker do not queue behind each other on one event loop. `inline`: on this
   * event loop (one core; what the tests of the broker itself use through startBroker()).
   */
  thread?: 'worker' | 'inline';
  /**
   * The broker thread ended while it served (a bug in the broker, an out-of-memory abort of the
   * thread): the broker is gone, its lock released, and this process may host again.
   */
  onThreadLost?: (reason: string) => void;
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

/** What BrokerHost needs of a running broker, wherever it runs. */
interface HostedBroker {
  address: string;
  port: number;
  brokeStaleLock: LockInfo | undefined;
  lockInfo(): LockInfo;
  setLockOwner(owner: string): Promise<void>;
  stats(): Promise<BrokerStats>;
  close(): Promise<void>;
}

/** Fails like startBroker does, so both runners are told apart the same way. */
class StartFailure extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

async function startInline(options: BrokerOptions): Promise<HostedBroker> {
  const b = await startBroker(options);
  return {
    address: b.address,
    port: b.port,
    brokeStaleLock: b.brokeStaleLock,
    lockInfo: () => b.lockInfo(),
    setLockOwner: (owner) => b.setLockOwner(owner),
    stats: async () => b.stats(),
    close: () => b.close(),
  };
}

/**
 * Compiled (npm start) the worker is a .js file next to this one. Under tsx (dev, tests) it is a
 * .ts file, and tsx's loader, registered by `--import tsx` on the main thread only, has to be
 * registered in the new thread before the worker module is imported.
 */
function newBrokerWorker(workerData: WorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./broker-worker.js', import.meta.url), { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./broker-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/** pino's numeric levels, for re-logging the worker's lines at their own level. */
const LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

type Reply = Extract<FromWorker, { type: 'reply' }>;

/**
 * One broker thread, started ahead of need: a takeover then does not wait for a thread to boot
 * and load the broker's modules (seconds on a loaded machine, while the clients wait), and the
 * watcher's repeated attempts reuse it. An idle thread does not keep the process alive; a thread
 * with a request in flight or a broker serving does, as a listening socket would.
 */
class BrokerThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();
  private serving = false;
  private lock: LockInfo | undefined;
  exited = false;
  private terminating = false;
  private readonly exitedPromise: Promise<void>;

  constructor(
    private readonly logger: Logger,
    /** Called when the thread ends while it serves a broker (not on close or terminate). */
    private readonly onLostWhileServing: (code: number, lock: LockInfo | undefined) => void,
  ) {
    this.worker = newBrokerWorker({ logLevel: logger.level });
    this.worker.unref();
    this.exitedPromise = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'log') {
        forward(logger, m.line);
        return;
      }
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.lock) this.lock = m.lock;
      this.holdProcess();
      w?.resolve(m);
    });
    this.worker.on('error', (err) => {
      // An uncaught error ends the thread and with it the broker's sockets; the address is free
      // again for whoever takes over.
      logger.error({ err }, 'the embedded broker thread failed');
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      const wasServing = this.serving && !this.terminating;
      this.serving = false;
      for (const w of this.waiting.values()) w.reject(new Error(`the broker thread exited (code ${code})`));
      this.waiting.clear();
      if (wasServing) this.onLostWhileServing(code, this.lock);
    });
  }

  private holdProcess(): void {
    if (this.exited) return;
    if (this.serving || this.waiting.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private async request(m: Request): Promise<Reply> {
    if (this.exited) throw new Error('the broker thread has exited');
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.holdProcess();
    this.worker.postMessage({ ...m, id } as ToWorker);
    const r = await reply;
    if (r.error) throw new StartFailure(r.error.message, r.error.code);
    return r;
  }

  async start(options: Omit<BrokerOptions, 'logger'>): Promise<HostedBroker> {
    const started = (await this.request({ type: 'start', options: options as Record<string, unknown> })).started!;
    this.lock = started.lock;
    this.serving = true;
    this.holdProcess();
    return {
      address: started.address,
      port: started.port,
      brokeStaleLock: started.brokeStaleLock,
      lockInfo: () => this.lock!,
      setLockOwner: async (owner) => {
        await this.request({ type: 'setOwner', owner });
      },
      stats: async () => (await this.request({ type: 'stats' })).stats!,
      close: async () => {
        // The broker releases the lock before the port, as startBroker's close does.
        try {
          await this.request({ type: 'close' });
        } finally {
          this.serving = false;
          this.holdProcess();
        }
      },
    };
  }

  /** Fault injection for tests: the thread fails as an uncaught error in the broker would make it. */
  crash(): void {
    this.worker.postMessage({ type: 'crash', id: 0 } satisfies ToWorker);
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    if (!this.exited) await this.worker.terminate();
    await this.exitedPromise;
  }
}

/** Re-logs one of the worker's pino lines through the app's logger, at its level. */
function forward(logger: Logger, line: string): void {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    logger.info({ line }, 'broker thread output');
    return;
  }
  const { level, msg, ...rest } = rec;
  const name = LEVELS[level as number] ?? 'info';
  logger[name](rest, typeof msg === 'string' ? msg : '');
}

/**
 * Hosts the embedded broker for this app instance: start (which may lose the race for the address
 * or the data directory, and then says so instead of throwing), stop, status. By default the
 * broker runs on a worker thread (src/kafka/broker-worker.ts); `thread: 'inline'` keeps it on
 * this event loop.
 */
export class BrokerHost {
  private broker: HostedBroker | undefined;
  private since: Date | undefined;
  private pending: Promise<HostAttempt> | undefined;
  private owner: string;
  private thread: BrokerThread | undefined;
  private readonly logger: Logger;

  constructor(private readonly opts: BrokerHostOptions) {
    this.owner = opts.owner;
    this.logger = opts.logger.child({ component: 'broker' });
    if (this.worker) this.thread = this.newThread();
  }

  private newThread(): BrokerThread {
    return new BrokerThread(this.logger, (code, lock) => void this.threadLost(code, lock));
  }

  /**
   * The thread died under the broker. Its lock names this live process, so no other instance may
   * break it: release it here (only if it is still ours), then let the owner decide who hosts next.
   */
  private async threadLost(code: number, lock: LockInfo | undefined): Promise<void> {
    this.broker = undefined;
    this.since = undefined;
    const released = lock ? await releaseDataDirLock(this.opts.dataDir, lock.token).catch(() => false) : false;
    const reason = `the embedded broker thread exited (code ${code}) while serving`;
    this.logger.error({ code, lockReleased: released }, 'the embedded broker thread died; its data directory is free for a successor');
    this.opts.onThreadLost?.(reason);
  }

  /** Fault injection for tests: makes the broker thread fail while it serves. */
  crashThread(): void {
    if (!this.thread || !this.broker) throw new Error('no broker thread is serving');
    this.thread.crash();
  }

  private get worker(): boolean {
    return (this.opts.thread ?? 'worker') === 'worker';
  }

  status(): BrokerHostStatus {
    return { running: this.broker !== undefined, address: this.broker?.address, since: this.since };
  }

  /** The lock this instance holds while it hosts. */
  lockInfo(): LockInfo | undefined {
    return this.broker?.lockInfo();
  }

  /** The hosted broker's resource use (connections, request memory, files), across the thread boundary if need be. */
  async stats(): Promise<BrokerStats | undefined> {
    return this.broker?.stats();
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
    const options = {
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
    };
    try {
      let broker: HostedBroker;
      if (this.worker) {
        if (!this.thread || this.thread.exited) this.thread = this.newThread();
        broker = await this.thread.start(options);
      } else {
        broker = await startInline({ ...options, logger: this.logger });
      }
      this.broker = broker;
      this.since = new Date();
      return { ok: true, address: broker.address, port: broker.port, since: this.since, brokeStaleLock: broker.brokeStaleLock };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') {
        return { ok: false, reason: 'address-in-use', message: `${host}:${port} is in use` };
      }
      if (err instanceof DataDirLockedError || code === 'EDATADIRLOCKED') return { ok: false, reason: 'data-dir-locked', message: (err as Error).message };
      throw err;
    }
  }

  async setOwner(owner: string): Promise<void> {
    this.owner = owner;
    await this.broker?.setLockOwner(owner);
  }

  /** Closes the broker, releasing the data directory before the address, and ends its thread. */
  async stop(): Promise<void> {
    await this.pending?.catch(() => undefined);
    const broker = this.broker;
    const thread = this.thread;
    this.broker = undefined;
    this.since = undefined;
    this.thread = undefined;
    try {
      if (broker) await broker.close();
    } finally {
      await thread?.terminate();
    }
  }
}
