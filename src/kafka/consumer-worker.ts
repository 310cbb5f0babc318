import { EventEmitter } from 'node:events';
import type { Logger } from '../logger.js';
import type { MessageStore, StoredMessage } from '../messages/store.js';
import { classifyKafkaError, type ConsumedRecord, type ConsumerHandle, type KafkaGateway } from './gateway/index.js';
import { CommitCoalescer } from './commit-coalescer.js';
import { RecoveryProbe } from './recovery-probe.js';
import { backoffDelay, DEFAULT_BACKOFF, withTimeout, type BackoffOptions } from './timing.js';

/** Matches the default partition count of topics the embedded broker creates. */
const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 3;

export type ConsumerState = 'idle' | 'connecting' | 'running' | 'crashed' | 'paused' | 'stopped';

export interface ConsumerStatus {
  state: ConsumerState;
  since: Date;
  topic: string;
  groupId: string;
  lastError: string | undefined;
  /** How many times the worker rebuilt its client after a failure. */
  restarts: number;
  nextRetryAt: Date | undefined;
  /** Partitions of `topic` this instance owns right now (empty while not in the group). */
  partitions: number[];
  consumed: number;
  commitFailures: number;
  /** Records this instance could not decode or process, shown as such and committed past. */
  undecodable: number;
}

/**
 * Extension points for fault injection (see failure-switch.ts). Throwing from `beforeStore`
 * behaves like a handler crash; a slow promise behaves like a stalled handler. `shouldCommit`
 * runs after the message is stored and before its offset is committed.
 */
export interface ConsumerHooks {
  beforeStore?(record: ConsumedRecord): Promise<void> | void;
  shouldCommit?(record: ConsumedRecord): boolean;
}

export interface ConsumerWorkerOptions {
  gateway: KafkaGateway;
  logger: Logger;
  store: MessageStore;
  topic: string;
  /** The group to start in; `switchGroup` changes it at run time. */
  groupId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Fetch long-poll; kept short so a graceful stop never waits long for the fetch loop. */
  maxWaitMs?: number;
  /**
   * Partitions handled side by side (each one still in order, one message at a time); they also
   * share commit round trips. Defaults to DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY.
   */
  partitionsConsumedConcurrently?: number;
  instanceId: () => string;
  backoff?: BackoffOptions;
  hooks?: ConsumerHooks;
  /**
   * Resolves when a broker answers (an ApiVersions probe). After a connectivity failure it runs
   * every `recoveryProbeMs` while the worker waits out its backoff, and a success restarts the
   * consumer at once, so readiness follows the broker's return within about a second.
   */
  probe?: () => Promise<unknown>;
  recoveryProbeMs?: number;
}

/** One kafkajs client and the commits requested through it; both are discarded together. */
interface Client {
  handle: ConsumerHandle;
  commits: CommitCoalescer;
}

interface ConsumerEvents {
  state: [ConsumerStatus];
  message: [StoredMessage];
  /** kafkajs GROUP_JOIN: this member (re)joined and got its assignment, i.e. one rebalance. */
  joined: [{ memberId: string; partitions: number[] }];
  committed: [{ topic: string; partition: number; offset: string }];
  commitFailed: [{ topic: string; partition: number; reason: string }];
  crashed: [{ reason: string }];
  /** A record (or a whole batch) that could not be decoded or processed; it is committed past. */
  undecodable: [StoredMessage];
  /** The generation of the group this member is in, as each heartbeat confirms it. */
  generation: [{ groupId: string; memberId: string; generationId: number }];
}

/**
 * Keeps one group member alive for the app's lifetime. Unlike the original demo, which gives up
 * after a failed start, every failure (broker down at start, crash while running) leads to a
 * fresh kafkajs consumer after a backoff, and the state is observable meanwhile. The member can
 * also be paused (leaves the group) and moved to another group without restarting the app.
 */
export class ConsumerWorker extends EventEmitter<ConsumerEvents> {
  private client: Client | undefined;
  /** Bumped per client so late callbacks from a discarded client are ignored. */
  private generation = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Cuts the backoff short once the broker answers again (only with `probe`). */
  private readonly recovery: RecoveryProbe | undefined;
  private current: ConsumerStatus;
  private log: Logger;
  private groupId: string;
  /** Pause/resume/switch run one after another, never interleaved. */
  private control: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ConsumerWorkerOptions) {
    super();
    this.recovery = opts.probe ? new RecoveryProbe(opts.probe, opts.recoveryProbeMs) : undefined;
    this.groupId = opts.groupId;
    this.log = this.childLog();
    this.current = {
      state: 'idle',
      since: new Date(),
      topic: opts.topic,
      groupId: opts.groupId,
      lastError: undefined,
      restarts: 0,
      nextRetryAt: undefined,
      partitions: [],
      consumed: 0,
      commitFailures: 0,
      undecodable: 0,
    };
  }

  status(): ConsumerStatus {
    return { ...this.current, partitions: [...this.current.partitions] };
  }

  start(): void {
    if (this.current.state !== 'idle') return;
    void this.launch();
  }

  /** Leaves the group (LeaveGroup via disconnect) so partitions move to other instances at once. */
  async stop(timeoutMs = 3000): Promise<void> {
    if (this.current.state === 'stopped') return;
    this.update({ state: 'stopped', partitions: [], nextRetryAt: undefined });
    this.recovery?.stop();
    await this.dropClient(timeoutMs);
  }

  /**
   * Replaces the client with a fresh one that joins the group again. For when the broker itself
   * was replaced (the embedded broker moved to another instance): kafkajs reconnects to the new
   * broker by itself but keeps its old membership, which the new coordinator has never heard of,
   * so its commits fail until it happens to rejoin. Messages it had not committed are delivered
   * again, to whichever member gets the partition.
   */
  rejoin(timeoutMs = 1000): Promise<void> {
    return this.serially(async () => {
      const state = this.current.state;
      if (state === 'stopped' || state === 'paused' || state === 'idle') return;
      await this.dropClient(timeoutMs);
      if (this.isStopped() || this.current.state === 'paused') return;
      this.attempt = 0;
      this.log.info('the broker was replaced; rejoining the group with a fresh client');
      void this.launch();
    });
  }

  /** Leaves the group and stays out until `resume` or `switchGroup`; the group can then go Empty. */
  pause(timeoutMs = 3000): Promise<void> {
    return this.serially(async () => {
      if (this.current.state === 'stopped' || this.current.state === 'paused') return;
      await this.dropClient(timeoutMs);
      if (this.isStopped()) return;
      this.update({ state: 'paused', partitions: [], nextRetryAt: undefined });
      this.log.info('consumer paused; left the group');
    });
  }

  resume(): Promise<void> {
    return this.serially(async () => {
      if (this.current.state !== 'paused') return;
      this.attempt = 0;
      void this.launch();
    });
  }

  /**
   * Leaves the current group and joins `groupId`. The message buffer is emptied so the Consume
   * page shows what the new group reads; a group without commits starts from the beginning,
   * which replays the topic.
   */
  switchGroup(groupId: string, timeoutMs = 3000): Promise<void> {
    return this.serially(async () => {
      if (this.current.state === 'stopped') return;
      await this.dropClient(timeoutMs);
      if (this.isStopped()) return;
      const from = this.groupId;
      this.groupId = groupId;
      this.log = this.childLog();
      this.opts.store.clear();
      this.attempt = 0;
      this.update({ groupId, partitions: [], lastError: undefined, nextRetryAt: undefined });
      this.log.info({ from }, 'switched consumer group');
      void this.launch();
    });
  }

  /** A method, not an inline comparison: the state changes across awaits. */
  private isStopped(): boolean {
    return this.current.state === 'stopped';
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const run = this.control.then(fn, fn);
    this.control = run.catch(() => {});
    return run;
  }

  private childLog(): Logger {
    return this.opts.logger.child({ component: 'consumer', groupId: this.groupId, topic: this.opts.topic });
  }

  /** Invalidates the current client and waits (bounded) for it to leave the group. */
  private async dropClient(timeoutMs: number): Promise<void> {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.recovery?.stop();
    const client = this.client;
    this.client = undefined;
    if (client) {
      await withTimeout(this.leave(client), timeoutMs, 'consumer disconnect timed out').catch((err) =>
        this.log.warn({ err }, 'consumer did not leave the group cleanly'),
      );
    }
  }

  /**
   * Commits already requested go out before the member leaves, so a graceful stop hands over
   * exactly the messages this instance did not finish.
   */
  private async leave({ handle, commits }: Client): Promise<void> {
    await commits.idle();
    await handle.disconnect();
  }

  private async launch(): Promise<void> {
    this.recovery?.stop();
    if (this.current.state === 'stopped') return;
    const gen = ++this.generation;
    const groupId = this.groupId;
    this.update({ state: 'connecting', nextRetryAt: undefined, partitions: [] });
    const handle = this.opts.gateway.consumer({
      groupId,
      instanceId: this.opts.instanceId(),
      sessionTimeoutMs: this.opts.sessionTimeoutMs,
      heartbeatIntervalMs: this.opts.heartbeatIntervalMs,
      maxWaitMs: this.opts.maxWaitMs ?? 1000,
    });
    const commits = new CommitCoalescer((offsets) => handle.commitOffsets(offsets));
    this.client = { handle, commits };

    handle.onJoin(({ memberId, assigned }) => {
      if (gen !== this.generation) return;
      const partitions = [...(assigned[this.opts.topic] ?? [])].sort((a, b) => a - b);
      this.attempt = 0;
      this.update({ state: 'running', lastError: undefined, partitions });
      this.log.info({ memberId, partitions }, 'consumer joined the group');
      this.emit('joined', { memberId, partitions });
    });
    handle.onRebalancing(() => {
      if (gen === this.generation) this.log.info('group is rebalancing');
    });
    handle.onHeartbeat?.(({ memberId, generationId }) => {
      if (gen === this.generation) this.emit('generation', { groupId, memberId, generationId });
    });
    handle.onCrash((error) => {
      if (gen === this.generation) this.fail(gen, error);
    });

    try {
      await handle.connect();
      await handle.subscribe(this.opts.topic, true);
      await handle.run((record) => this.handleRecord(gen, groupId, commits, record), {
        partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
      });
    } catch (err) {
      if (gen === this.generation) this.fail(gen, err);
    }
  }

  private async handleRecord(gen: number, groupId: string, commits: CommitCoalescer, record: ConsumedRecord): Promise<void> {
    if (gen !== this.generation) return;
    const base = {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      headers: record.headers,
      timestamp: record.timestamp,
      group: groupId,
    };
    let stored: StoredMessage;
    try {
      await this.opts.hooks?.beforeStore?.(record);
      // A stall may outlast this client (group switch, pause, shutdown): its record is not ours.
      if (gen !== this.generation) return;
      stored = record.undecodable
        ? { ...base, receivedAt: new Date(), key: null, value: null, instance: this.opts.instanceId(), undecodable: record.undecodable }
        : { ...base, receivedAt: new Date(), key: record.key, value: record.value, instance: this.opts.instanceId() };
      this.opts.store.add(stored);
    } catch (err) {
      if (gen !== this.generation) return;
      // Throwing back to kafkajs would crash the run and redeliver this record forever, holding
      // up every partition. The record is shown as undecodable and committed past instead.
      const reason = `processing failed: ${(err as Error)?.message ?? String(err)}`;
      stored = {
        ...base,
        receivedAt: new Date(),
        key: null,
        value: null,
        instance: this.opts.instanceId(),
        undecodable: { reason, firstOffset: record.offset, lastOffset: record.offset, records: 1 },
      };
      this.opts.store.add(stored);
    }
    if (stored.undecodable) {
      this.current.undecodable++;
      this.log.warn(
        { partition: record.partition, offset: record.offset, firstOffset: stored.undecodable.firstOffset, reason: stored.undecodable.reason },
        'record could not be decoded or processed; committing past it',
      );
      this.emit('undecodable', stored);
    } else {
      this.current.consumed++;
      this.emit('message', stored);
    }

    if (this.opts.hooks?.shouldCommit && !this.opts.hooks.shouldCommit(record)) return;
    // The committed offset is the *next* one to read; committing record.offset would replay
    // this message after every restart or rebalance.
    const next = (BigInt(record.offset) + 1n).toString();
    // Requested now, answered in the background: the next message does not wait for this round
    // trip (commits of several messages share one request). A crash before the answer means
    // the message is delivered again, which is the at-least-once contract.
    commits.commit(record.topic, record.partition, next).then(
      () => this.emit('committed', { topic: record.topic, partition: record.partition, offset: next }),
      (err: unknown) => {
        // Commits are cumulative, so the next successful one covers this record; until then a
        // restart re-delivers it (at-least-once).
        const reason = classifyKafkaError(err).message;
        this.current.commitFailures++;
        this.log.warn({ err: reason, partition: record.partition, offset: record.offset }, 'offset commit failed');
        this.emit('commitFailed', { topic: record.topic, partition: record.partition, reason });
      },
    );
  }

  private fail(gen: number, error: unknown): void {
    if (gen !== this.generation || this.current.state === 'stopped' || this.current.state === 'paused') return;
    this.generation++;
    const client = this.client;
    this.client = undefined;
    if (client) void this.leave(client).catch(() => {});
    const classified = classifyKafkaError(error);
    const reason = classified.message;
    const delay = backoffDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.update({
      state: 'crashed',
      lastError: reason,
      partitions: [],
      restarts: this.current.restarts + 1,
      nextRetryAt: new Date(Date.now() + delay),
    });
    this.log.warn({ reason, retryInMs: delay }, 'consumer failed; restarting with a fresh client');
    this.emit('crashed', { reason });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.launch(), delay);
    this.retryTimer.unref();
    // Only an unreachable broker is worth probing for: other failures keep their backoff, so a
    // failure that recurs while the broker is up does not restart the consumer every second.
    if (classified.kind === 'unavailable') {
      this.recovery?.start(
        () => this.current.state === 'crashed',
        () => {
          clearTimeout(this.retryTimer);
          this.log.info('broker answers again; restarting the consumer now');
          void this.launch();
        },
      );
    }
  }

  private update(patch: Partial<ConsumerStatus>): void {
    const stateChanged = patch.state !== undefined && patch.state !== this.current.state;
    this.current = { ...this.current, ...patch, since: stateChanged ? new Date() : this.current.since };
    if (stateChanged) this.emit('state', this.status());
  }
}
