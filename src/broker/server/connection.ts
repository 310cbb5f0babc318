import type { Socket } from 'node:net';
import type { BrokerLogger } from '../logger.js';
import { FrameDecoder } from './frame-decoder.js';
import type { FramePool } from './frame-pool.js';
import type { MemoryOwner, RequestMemory } from './request-memory.js';
import { readRequestHeader } from './request-header.js';
import type { ApiHandler, BrokerContext, RequestContext } from '../handlers/types.js';
import { ApiKey } from '../protocol/api-keys.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import { Writer } from '../protocol/writer.js';
import { throttleFor } from './log-throttle.js';

/** Produce requests that may be in progress at once on one connection. */
const MAX_OVERLAPPING_PRODUCES = 32;
/**
 * Request bytes one connection may hold (queued or being handled) before it stops reading. A frame
 * count alone does not bound memory: a pipelining producer sends ~1 MB requests, and 64 queued
 * plus 32 overlapping of those kept ~100 MB of frame buffers alive per connection, which the
 * allocator then kept as resident memory long after the burst.
 */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** Reading resumes once the backlog is down to this. */
const RESUME_PENDING_BYTES = MAX_PENDING_BYTES / 2;

/**
 * One client connection. Requests are handled strictly one after another, as Kafka does, which
 * keeps responses in request order (clients match them by position, kafka-python strictly so).
 * A frame that cannot be parsed closes this connection only.
 */
export class Connection implements MemoryOwner {
  private readonly decoder: FrameDecoder;
  private readonly queue: Buffer[] = [];
  /** Bytes of frames queued or still being handled. */
  private pendingBytes = 0;
  /** Request bytes reserved in the broker's RequestMemory (queued, handled, or still arriving). */
  reserved = 0;
  /** True while the next frame waits for request memory (reading is paused meanwhile). */
  private waitingForMemory = false;
  private draining = false;
  private closed = false;
  private readonly log: BrokerLogger;
  readonly client: RequestContext['client'];

  constructor(
    private readonly socket: Socket,
    private readonly broker: BrokerContext,
    private readonly handlers: ReadonlyMap<number, ApiHandler>,
    connectionId: number,
    private readonly onClose: (c: Connection) => void,
    private readonly framePool: FramePool,
    private readonly memory: RequestMemory,
  ) {
    this.client = {
      host: socket.remoteAddress ?? 'unknown',
      port: socket.remotePort ?? 0,
      connectionId,
    };
    this.log = broker.logger.child({ conn: connectionId, peer: `${this.client.host}:${this.client.port}` });
    this.decoder = new FrameDecoder(broker.config.maxRequestBytes, {
      // While a wait is registered only its grant may reserve, or the frame would be counted twice.
      admit: (n) => !this.waitingForMemory && this.memory.tryReserve(this, n),
      allocate: (n) => this.framePool.acquire(n),
    });
    socket.setNoDelay(true);
    socket.on('data', (data) => this.onData(data));
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    socket.on('close', () => this.shutdown());
  }

  close(): void {
    this.socket.destroy();
    this.shutdown();
  }

  /** Request bytes this connection holds: received, not yet handled or still being handled. */
  get heldBytes(): number {
    return this.decoder.heldBytes + this.pendingBytes;
  }

  get isWaitingForMemory(): boolean {
    return this.waitingForMemory;
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    // Frames never handled and the one still arriving give their memory back now; frames being
    // handled release theirs when their handler finishes.
    let unhandled = this.decoder.admittedPartial;
    for (const f of this.queue) {
      unhandled += f.length;
      this.pendingBytes -= f.length;
      this.framePool.discard(f);
    }
    this.queue.length = 0;
    const partial = this.decoder.discard();
    if (partial) this.framePool.discard(partial);
    this.memory.cancel(this);
    this.memory.release(this, unhandled);
    this.onClose(this);
  }

  private onData(data: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(data);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.accept(frames);
  }

  /** Queues complete frames and, when the next frame waits for memory, stops reading until it is granted. */
  private accept(frames: Buffer[]): void {
    for (const f of frames) {
      this.queue.push(f);
      this.pendingBytes += f.length;
    }
    const need = this.decoder.waitingFor;
    if (need > 0 && !this.waitingForMemory) {
      this.waitingForMemory = true;
      this.socket.pause();
      this.memory.wait(this, need, () => this.memoryGranted(need));
    }
    // Stop reading while a backlog exists, so a fast producer cannot grow our memory unbounded.
    if (this.queue.length > 64 || this.pendingBytes > MAX_PENDING_BYTES) this.socket.pause();
    if (frames.length > 0 && !this.draining) void this.drain();
  }

  private memoryGranted(n: number): void {
    this.waitingForMemory = false;
    if (this.closed) {
      this.memory.release(this, n);
      return;
    }
    let frames: Buffer[];
    try {
      frames = this.decoder.granted();
    } catch (err) {
      this.fail(err);
      return;
    }
    this.accept(frames);
    this.maybeResume();
  }

  /**
   * Handles queued frames in order. Kafka finishes one request before starting the next; we do the
   * same except between consecutive Produce requests, which may overlap (their offsets are still
   * assigned in arrival order, synchronously inside the append), so a pipelining producer is not
   * held up by each write's round trip to the file system. Responses always leave in request order.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    let previous: Promise<void> = Promise.resolve();
    let overlapping = 0;
    try {
      do {
        // Frames that arrive while the last responses are pending are picked up by the outer loop.
        while (!this.closed && this.queue.length > 0) {
          const frame = this.queue.shift()!;
          this.maybeResume();
          const isProduce = frame.readInt16BE(0) === ApiKey.Produce;
          const overlappable = isProduce && overlapping < MAX_OVERLAPPING_PRODUCES;
          if (!overlappable) {
            await previous;
            overlapping = 0;
          }
          overlapping++;
          const work = this.process(frame);
          const before = previous;
          const sent = (async () => {
            try {
              const reply = await work;
              await before;
              if (reply) this.send(reply.correlationId, reply.body, reply.taggedHeader === true);
              if (isProduce) this.framePool.release(frame);
            } finally {
              this.pendingBytes -= frame.length;
              this.memory.release(this, frame.length);
              this.maybeResume();
            }
          })();
          sent.catch((err) => this.fail(err));
          previous = sent.catch(() => undefined);
          if (!overlappable) await previous;
          if (this.socket.writableNeedDrain) await this.writable();
        }
        await previous;
      } while (!this.closed && this.queue.length > 0);
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = false;
      if (!this.closed && !this.waitingForMemory && this.socket.isPaused()) this.socket.resume();
    }
  }

  private maybeResume(): void {
    if (this.closed || this.waitingForMemory || !this.socket.isPaused()) return;
    if (this.queue.length <= 16 && this.pendingBytes <= RESUME_PENDING_BYTES) this.socket.resume();
  }

  private writable(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Decodes and runs one request; resolves to the response to send, or null for none. */
  private async process(frame: Buffer): Promise<{ correlationId: number; body: Writer; taggedHeader?: boolean } | null> {
    const { header, body } = readRequestHeader(frame, (k) => this.handlers.get(k)?.firstFlexibleVersion);
    const handler = this.handlers.get(header.apiKey);
    if (!handler) throw new ProtocolError(`unsupported API key ${header.apiKey}`);
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) {
        // KIP-511: answer an unknown ApiVersions version in the v0 layout so the client can retry.
        const w = new Writer(32);
        w.int16(ErrorCode.UNSUPPORTED_VERSION).int32(1).int16(ApiKey.ApiVersions);
        w.int16(handler.minVersion).int16(handler.maxVersion);
        return { correlationId: header.correlationId, body: w };
      }
      throw new ProtocolError(`${handler.name} v${header.apiVersion} is not supported`);
    }
    const seen = `${handler.name} v${header.apiVersion}`;
    this.broker.requestsSeen.set(seen, (this.broker.requestsSeen.get(seen) ?? 0) + 1);
    const ctx: RequestContext = { header, broker: this.broker, client: this.client };
    const response = await handler.handle(ctx, body);
    if (!response) return null;
    // Response header v1 (an empty tagged-field section) for flexible versions; ApiVersions keeps v0
    // so a client can read it before it knows which versions the broker speaks.
    const taggedHeader = header.flexible && header.apiKey !== ApiKey.ApiVersions;
    return { correlationId: header.correlationId, body: response, taggedHeader };
  }

  private send(correlationId: number, body: Writer, taggedHeader: boolean): void {
    if (this.closed) return;
    const chunks = body.toChunks();
    const headLength = taggedHeader ? 9 : 8;
    const head = Buffer.allocUnsafe(headLength);
    head.writeInt32BE(body.length + headLength - 4, 0);
    head.writeInt32BE(correlationId, 4);
    if (taggedHeader) head[8] = 0;
    this.socket.cork();
    this.socket.write(head);
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    if (err instanceof ProtocolError || (err instanceof Error && err.name === 'FrameTooLargeError')) {
      // Rate-limited per broker: a client looping on bad frames must not flood the log.
      throttleFor(this.broker.logger).log(this.log, 'warn', 'malformed-request', { reason: (err as Error).message }, 'closing connection after a malformed request');
    } else {
      this.log.error({ err }, 'closing connection after an internal error');
    }
    this.close();
  }
}
