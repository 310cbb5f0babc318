import type { Logger } from '../logger.js';
import { classifyKafkaError } from './gateway/index.js';
import { TimeoutError, withTimeout } from './timing.js';

/** A kafkajs client as the gateway hands it out: the admin client or the topic reader. */
export interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export type FailureKind = 'unavailable' | 'rejected';

export interface ReconnectingClientOptions<H extends Connectable> {
  create(): H;
  /** Bound for connecting, and the default bound for one operation. */
  timeoutMs: number;
  /** `admin`, `topic reader`: names the client in timeout messages. */
  label: string;
  log: Logger;
  /** The log line of a failed operation. */
  failedMsg: string;
  /** The service's own error type, built from a failure. */
  error(kind: FailureKind, message: string, params?: Record<string, string>): Error;
  /** Errors the operation threw itself (the service's own type) pass through untouched. */
  isOwnError(err: unknown): boolean;
}

/**
 * One long-lived kafkajs client for a service that asks Kafka on demand (the /cluster view, the
 * topic browser): connected on first use (concurrent callers share the connect), every operation
 * bounded in time, and a client that lost its broker dropped and rebuilt on the next call rather
 * than repaired. Failures come back as the service's own error, unavailable or rejected.
 */
export class ReconnectingClient<H extends Connectable> {
  private handle: H | undefined;
  private connecting: Promise<H> | undefined;
  private stopped = false;

  constructor(private readonly opts: ReconnectingClientOptions<H>) {}

  async run<T>(what: string, fn: (client: H) => Promise<T>, timeoutMs = this.opts.timeoutMs): Promise<T> {
    if (this.stopped) throw this.shuttingDown();
    let handle: H | undefined;
    try {
      handle = await this.connected();
      return await withTimeout(fn(handle), timeoutMs, `${what}: no answer from Kafka within ${timeoutMs} ms`);
    } catch (err) {
      if (this.opts.isOwnError(err)) throw err;
      const c = err instanceof TimeoutError ? { kind: 'unavailable' as const, message: err.message } : classifyKafkaError(err);
      if (c.kind === 'unavailable' && handle && this.handle === handle) {
        this.handle = undefined;
        void handle.disconnect().catch(() => {});
      }
      this.opts.log.warn({ what, reason: c.message }, this.opts.failedMsg);
      throw this.opts.error(c.kind === 'unavailable' ? 'unavailable' : 'rejected', c.message, { detail: c.message });
    }
  }

  async stop(timeoutMs = 1000): Promise<void> {
    this.stopped = true;
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await withTimeout(handle.disconnect(), timeoutMs, `${this.opts.label} disconnect timed out`).catch(() => {});
  }

  private shuttingDown(): Error {
    return this.opts.error('unavailable', 'the application is shutting down');
  }

  private async connected(): Promise<H> {
    if (this.handle) return this.handle;
    this.connecting ??= (async () => {
      const h = this.opts.create();
      try {
        await withTimeout(h.connect(), this.opts.timeoutMs, `${this.opts.label} connect timed out`);
      } catch (err) {
        void h.disconnect().catch(() => {});
        throw err;
      } finally {
        this.connecting = undefined;
      }
      if (this.stopped) {
        void h.disconnect().catch(() => {});
        throw this.shuttingDown();
      }
      this.handle = h;
      return h;
    })();
    return this.connecting;
  }
}
