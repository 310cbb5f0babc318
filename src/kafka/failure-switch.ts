import { EventEmitter } from 'node:events';
import type { FailureMode } from '../config.js';
import type { Logger } from '../logger.js';
import type { ConsumedRecord } from './gateway/index.js';
import type { ConsumerHooks } from './consumer-worker.js';

/** Log lines other processes (multi-instance tests, operators) can look for. */
export const CRASH_LOG_MESSAGE = 'failure switch: exiting before commit (no-commit-crash)';
export const STALL_LOG_MESSAGE = 'failure switch: stalling the message handler';
export const STALL_OVER_LOG_MESSAGE = 'failure switch: stall over';

interface RecordRef {
  topic: string;
  partition: number;
  offset: string;
}

export interface FailureStatus {
  mode: FailureMode;
  afterMessages: number;
  stallMs: number;
  /** Messages handled since the switch was armed. */
  handled: number;
  /** Messages until the switch acts (the one that brings `handled` to `afterMessages` is the last). */
  remaining: number;
  stalling: (RecordRef & { since: Date; until: Date }) | undefined;
  lastStall: (RecordRef & { startedAt: Date; endedAt: Date; aborted: boolean }) | undefined;
  /** The crash was triggered; the process is exiting. */
  exiting: boolean;
}

export interface FailureSwitchOptions {
  mode: FailureMode;
  afterMessages: number;
  stallMs: number;
  logger: Logger;
  /** process.exit in production; tests pass a recorder so the runner survives. */
  exit?: (code: number) => void;
}

interface FailureEvents {
  change: [FailureStatus];
}

/**
 * Fault injection for the multi-instance demo, attached through the consumer worker's hooks.
 *
 * - `no-commit-crash`: from the moment it is armed nothing is committed; the Nth message is
 *   stored and then the process exits with code 1 before committing it. All N messages are
 *   therefore redelivered to whichever member takes over the partitions.
 * - `stall`: the Nth message's handler blocks for `stallMs` before storing it. kafkajs only
 *   heartbeats between messages, so with `stallMs` above the session timeout the broker expels
 *   the member and hands its partitions (and the uncommitted message) to another one. When the
 *   stall ends the handler finishes, its commit fails (the member is gone), and kafkajs rejoins.
 *
 * Both act once and then return to `none`; arming again starts a fresh count.
 */
export class FailureSwitch extends EventEmitter<FailureEvents> {
  private mode: FailureMode;
  private afterMessages: number;
  private stallMs: number;
  private handled = 0;
  private exiting = false;
  private stalling: FailureStatus['stalling'];
  private lastStall: FailureStatus['lastStall'];
  private endStall: ((aborted: boolean) => void) | undefined;
  private readonly log: Logger;
  private readonly exit: (code: number) => void;

  readonly hooks: ConsumerHooks = {
    beforeStore: (record) => this.beforeStore(record),
    shouldCommit: (record) => this.shouldCommit(record),
  };

  constructor(opts: FailureSwitchOptions) {
    super();
    this.mode = opts.mode;
    this.afterMessages = opts.afterMessages;
    this.stallMs = opts.stallMs;
    this.log = opts.logger.child({ component: 'failure-switch' });
    this.exit = opts.exit ?? ((code) => process.exit(code));
    if (this.mode !== 'none') this.log.warn(this.logFields(), 'failure switch armed');
  }

  status(): FailureStatus {
    return {
      mode: this.mode,
      afterMessages: this.afterMessages,
      stallMs: this.stallMs,
      handled: this.handled,
      remaining: this.mode === 'none' ? 0 : Math.max(0, this.afterMessages - this.handled),
      stalling: this.stalling && { ...this.stalling },
      lastStall: this.lastStall && { ...this.lastStall },
      exiting: this.exiting,
    };
  }

  /** Sets the mode (from the page or at start-up) and restarts the count; `none` ends a stall. */
  arm(mode: FailureMode, afterMessages = this.afterMessages, stallMs = this.stallMs): void {
    this.mode = mode;
    this.afterMessages = afterMessages;
    this.stallMs = stallMs;
    this.handled = 0;
    if (mode === 'none') this.abortStall();
    this.log.warn(this.logFields(), mode === 'none' ? 'failure switch off' : 'failure switch armed');
    this.changed();
  }

  /** Ends a running stall early (switch turned off, or the app is shutting down). */
  abortStall(): void {
    this.endStall?.(true);
  }

  private async beforeStore(record: ConsumedRecord): Promise<void> {
    if (this.mode === 'none') return;
    this.handled++;
    this.changed();
    if (this.mode !== 'stall' || this.handled < this.afterMessages) return;
    this.mode = 'none';
    const ref = { topic: record.topic, partition: record.partition, offset: record.offset };
    const since = new Date();
    this.stalling = { ...ref, since, until: new Date(since.getTime() + this.stallMs) };
    this.log.warn({ ...ref, stallMs: this.stallMs }, STALL_LOG_MESSAGE);
    this.changed();
    const aborted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.stallMs);
      this.endStall = (wasAborted) => {
        clearTimeout(timer);
        resolve(wasAborted);
      };
    });
    this.endStall = undefined;
    this.stalling = undefined;
    this.lastStall = { ...ref, startedAt: since, endedAt: new Date(), aborted };
    this.log.warn({ ...ref, stalledMs: Date.now() - since.getTime(), aborted }, STALL_OVER_LOG_MESSAGE);
    this.changed();
  }

  private shouldCommit(record: ConsumedRecord): boolean {
    // Partitions are handled side by side: once the crash is decided, no other handler may commit.
    if (this.exiting) return false;
    if (this.mode !== 'no-commit-crash') return true;
    if (this.handled < this.afterMessages) return false;
    this.exiting = true;
    this.mode = 'none';
    this.changed();
    this.log.fatal({ topic: record.topic, partition: record.partition, offset: record.offset, uncommitted: this.handled }, CRASH_LOG_MESSAGE);
    this.exit(1);
    return false;
  }

  private logFields() {
    return { mode: this.mode, afterMessages: this.afterMessages, stallMs: this.stallMs };
  }

  private changed(): void {
    this.emit('change', this.status());
  }
}
