import { EventEmitter } from 'node:events';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { classifyKafkaError, type KafkaGateway, type ProducedRecord, type ProducerHandle } from './gateway/index.js';
import { INIT_PRODUCER_ID_KEY, probeAny } from './probe.js';
import { RecoveryProbe } from './recovery-probe.js';
import { backoffDelay, DEFAULT_BACKOFF, TimeoutError, withTimeout, type BackoffOptions } from './timing.js';

export type ProducerState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'stopped';

export type ProduceErrorKind = 'unavailable' | 'timeout' | 'too_large' | 'rejected' | 'stopped';

export class ProduceError extends Error {
  constructor(
    readonly kind: ProduceErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProduceError';
  }
}

export type ProduceResult = { ok: true; record: ProducedRecord } | { ok: false; error: ProduceError };

export interface ProduceRequest {
  topic: string;
  /** Empty or missing keys become a random UUID, like the original demo. */
  key?: string | null;
  value: string;
  headers?: Record<string, string>;
  /** An explicit partition (checked against the topic by the caller); undefined: by key hash. */
  partition?: number;
}

export interface ProducerStatus {
  state: ProducerState;
  since: Date;
  /** undefined until the first connection decided it. */
  idempotent: boolean | undefined;
  lastError: string | undefined;
}

export interface ProducerServiceOptions {
  gateway: KafkaGateway;
  logger: Logger;
  /** Bootstrap addresses, used for the ApiVersions capability/liveness probe. */
  brokers: readonly string[];
  idempotence: 'auto' | 'off';
  /** Upper bound for one send, including connecting and kafkajs's own retries. */
  sendTimeoutMs: number;
  /** How often a connected producer checks that the broker still answers. */
  healthCheckIntervalMs?: number;
  /**
   * While disconnected, how often a cheap ApiVersions probe asks whether the broker is back; when
   * it answers, the producer reconnects at once instead of waiting out its backoff (up to 15 s),
   * so /readyz follows the broker within about this long.
   */
  recoveryProbeMs?: number;
  backoff?: BackoffOptions;
  /** TLS for the capability/liveness probes when the cluster listens with TLS only. */
  probeTls?: TlsOptions;
  /** Largest key in UTF-8 bytes (messages.maxKeyBytes); the web layer checks it first, with a field error. */
  maxKeyBytes?: number;
}

/**
 * Caps on Kafka record headers, enforced here for every caller (the web forms do not send
 * headers yet). Kafka itself only bounds the whole batch; these keep one message's headers
 * small next to its value.
 */
export const HEADER_LIMITS = { count: 32, nameBytes: 256, valueBytes: 4096 } as const;

/** Why a request is refused before it reaches Kafka, or undefined when it is within the caps. */
export function requestProblem(request: ProduceRequest, maxKeyBytes: number): string | undefined {
  if (request.key && Buffer.byteLength(request.key, 'utf8') > maxKeyBytes) return `the key is longer than ${maxKeyBytes} bytes`;
  const headers = Object.entries(request.headers ?? {});
  if (headers.length > HEADER_LIMITS.count) return `more than ${HEADER_LIMITS.count} headers`;
  for (const [name, value] of headers) {
    if (Buffer.byteLength(name, 'utf8') > HEADER_LIMITS.nameBytes) return `a header name is longer than ${HEADER_LIMITS.nameBytes} bytes`;
    if (Buffer.byteLength(value, 'utf8') > HEADER_LIMITS.valueBytes) return `header ${name.slice(0, 64)} is longer than ${HEADER_LIMITS.valueBytes} bytes`;
  }
  return undefined;
}

interface ProducerEvents {
  state: [ProducerStatus];
  /** One acknowledged message (feeds the `produced` counter). */
  produced: [ProducedRecord];
}

/**
 * One long-lived producer for the whole app. kafkajs producers are treated as disposable: when
 * the broker becomes unreachable, the service drops the client and builds a fresh one with
 * backoff, so a broker restart (which forgets idempotent producer ids) never wedges sending.
 */
export class ProducerService extends EventEmitter<ProducerEvents> {
  private handle: ProducerHandle | undefined;
  private connecting: Promise<boolean> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly recovery: RecoveryProbe;
  private attempt = 0;
  private idempotenceUnsupported = false;
  private current: ProducerStatus = { state: 'idle', since: new Date(), idempotent: undefined, lastError: undefined };
  private readonly log: Logger;

  constructor(private readonly opts: ProducerServiceOptions) {
    super();
    this.recovery = new RecoveryProbe(() => probeAny(opts.brokers, 1000, opts.probeTls), opts.recoveryProbeMs);
    this.log = opts.logger.child({ component: 'producer' });
  }

  status(): ProducerStatus {
    return { ...this.current };
  }

  /** Starts connecting in the background; never throws. */
  start(): void {
    if (this.current.state !== 'idle') return;
    void this.connectNow();
    const every = this.opts.healthCheckIntervalMs ?? 5000;
    this.healthTimer = setInterval(() => void this.checkHealth(), every);
    this.healthTimer.unref();
  }

  async send(request: ProduceRequest): Promise<ProduceResult> {
    if (this.current.state === 'stopped') return fail('stopped', 'the application is shutting down');
    const problem = requestProblem(request, this.opts.maxKeyBytes ?? Number.MAX_SAFE_INTEGER);
    if (problem) return fail('too_large', problem);
    const deadline = Date.now() + this.opts.sendTimeoutMs;
    const key = request.key && request.key.length > 0 ? request.key : randomUUID();

    if (this.current.state !== 'connected' || !this.handle) {
      const connected = await withTimeout(this.connectNow(), deadline - Date.now(), 'connect timed out').catch(() => false);
      if (!connected || !this.handle) {
        return fail('unavailable', `Kafka is unreachable (${this.current.lastError ?? 'no connection'})`);
      }
    }

    const handle = this.handle;
    try {
      const record = await withTimeout(
        handle.send({ topic: request.topic, key, value: request.value, headers: request.headers, partition: request.partition }),
        deadline - Date.now(),
        `no acknowledgement from Kafka within ${this.opts.sendTimeoutMs} ms`,
      );
      this.emit('produced', record);
      return { ok: true, record };
    } catch (err) {
      if (err instanceof TimeoutError) {
        // The request may still be in flight on the old client; we abandon that client so it
        // cannot deliver late, but a broker that already appended it keeps it.
        this.lost(handle, err.message);
        return fail('timeout', `${err.message}; the message may or may not have been written`);
      }
      const c = classifyKafkaError(err);
      if (c.kind === 'unavailable') {
        this.lost(handle, c.message);
        return fail('unavailable', `Kafka is unreachable (${c.message})`);
      }
      if (c.kind === 'too_large') return fail('too_large', `the broker rejected the message as too large (${c.message})`);
      return fail('rejected', `the broker rejected the message (${c.message})`);
    }
  }

  /** Checks at once that the broker still answers (e.g. the embedded broker's host went away). */
  checkNow(): void {
    void this.checkHealth();
  }

  /** Reconnects now instead of at the end of the backoff (the broker answers again). */
  reconnectNow(): void {
    if (this.current.state !== 'disconnected') return;
    this.attempt = 0;
    void this.connectNow();
  }

  async stop(timeoutMs = 2000): Promise<void> {
    if (this.current.state === 'stopped') return;
    this.setState('stopped', this.current.lastError);
    clearTimeout(this.retryTimer);
    clearInterval(this.healthTimer);
    this.recovery.stop();
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await withTimeout(handle.disconnect(), timeoutMs, 'producer disconnect timed out').catch((err) => this.log.warn({ err }, 'producer did not disconnect cleanly'));
  }

  /** Shared by the background loop and by sends that find no connection: one attempt at a time. */
  private connectNow(): Promise<boolean> {
    if (this.current.state === 'stopped') return Promise.resolve(false);
    if (this.current.state === 'connected' && this.handle) return Promise.resolve(true);
    if (!this.connecting) {
      clearTimeout(this.retryTimer);
      this.connecting = this.connectOnce().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async connectOnce(): Promise<boolean> {
    this.setState('connecting', this.current.lastError);
    let idempotent = false;
    try {
      idempotent = await this.decideIdempotence();
    } catch (err) {
      this.failed(`broker unreachable: ${(err as Error).message}`);
      return false;
    }

    const handle = this.opts.gateway.producer({ idempotent });
    try {
      await withTimeout(handle.connect(), this.opts.sendTimeoutMs, 'producer connect timed out');
    } catch (err) {
      void handle.disconnect().catch(() => {});
      const c = classifyKafkaError(err);
      if (idempotent && c.kind === 'unsupported') {
        this.idempotenceUnsupported = true;
        this.log.warn({ reason: c.message }, 'broker refused InitProducerId; falling back to a non-idempotent producer');
        return this.connectOnce();
      }
      // Only an unreachable broker is probed for; a refusal (e.g. authentication) keeps the backoff.
      this.failed(c.message, c.kind === 'unavailable');
      return false;
    }

    if (this.current.state === 'stopped') {
      void handle.disconnect().catch(() => {});
      return false;
    }
    this.handle = handle;
    this.attempt = 0;
    this.recovery.stop();
    this.current.idempotent = idempotent;
    this.setState('connected', undefined);
    this.log.info({ idempotent, acks: 'all' }, 'producer connected');
    return true;
  }

  /**
   * Idempotence needs InitProducerId (API key 22). Asking the broker first avoids a failed
   * connect in the common case; the connect-failure fallback covers brokers that advertise it
   * but still refuse.
   */
  private async decideIdempotence(): Promise<boolean> {
    const probe = await probeAny(this.opts.brokers, Math.min(2000, this.opts.sendTimeoutMs), this.opts.probeTls);
    if (this.opts.idempotence === 'off' || this.idempotenceUnsupported) return false;
    if (!probe.apis.has(INIT_PRODUCER_ID_KEY)) {
      if (!this.idempotenceUnsupported) {
        this.log.warn({ broker: probe.address }, 'broker does not advertise InitProducerId; using a non-idempotent producer (acks=all)');
      }
      this.idempotenceUnsupported = true;
      return false;
    }
    return true;
  }

  private failed(reason: string, unreachable = true): void {
    if (this.current.state === 'stopped') return;
    const delay = backoffDelay(this.attempt++, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.setState('disconnected', reason);
    this.log.warn({ reason, retryInMs: delay }, 'producer cannot reach Kafka; will retry');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connectNow(), delay);
    this.retryTimer.unref();
    if (unreachable) {
      this.recovery.start(
        () => this.current.state === 'disconnected' && !this.connecting,
        () => void this.connectNow(),
      );
    } else {
      this.recovery.stop();
    }
  }

  /** The current client proved unusable: drop it and reconnect in the background. */
  private lost(handle: ProducerHandle, reason: string): void {
    if (this.handle !== handle) return;
    this.handle = undefined;
    void handle.disconnect().catch(() => {});
    this.failed(reason);
  }

  private async checkHealth(): Promise<void> {
    if (this.current.state !== 'connected' || !this.handle) return;
    const handle = this.handle;
    try {
      await probeAny(this.opts.brokers, 2000, this.opts.probeTls);
    } catch (err) {
      this.lost(handle, `broker stopped answering: ${(err as Error).message}`);
    }
  }

  private setState(state: ProducerState, lastError: string | undefined): void {
    const changed = state !== this.current.state;
    this.current = { ...this.current, state, lastError, since: changed ? new Date() : this.current.since };
    if (changed) this.emit('state', this.status());
  }
}

function fail(kind: ProduceErrorKind, message: string): ProduceResult {
  return { ok: false, error: new ProduceError(kind, message) };
}
