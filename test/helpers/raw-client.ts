/**
 * A bare Kafka-protocol TCP client for tests that need exact bytes on the wire: hand-built or
 * deliberately broken requests, and checks on how the broker answers or hangs up.
 *
 *   const c = await RawConnection.connect(port);
 *   c.write(apiVersionsRequest(0, 7));
 *   const res = await c.nextResponse();     // { correlationId: 7, body: Reader }
 *   c.destroy();
 *
 * Request builders use the broker's own Writer for the primitive encodings, but the field
 * layouts here are written from the Kafka message specs, independently of the broker's decoders.
 */
import { connect, type Socket } from 'node:net';
import { Reader } from '../../src/broker/protocol/reader.js';
import { Writer } from '../../src/broker/protocol/writer.js';
import { crc32c } from '../../src/broker/protocol/crc32c.js';

export interface RequestHeaderFields {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId?: string | null;
  /** Request header v2 (adds an empty tagged-field section): flexible versions only. */
  flexibleHeader?: boolean;
}

/** A whole frame: int32 size, request header, body. */
export function requestFrame(h: RequestHeaderFields, body: Buffer = Buffer.alloc(0)): Buffer {
  const w = new Writer(64 + body.length);
  w.int32(0); // size, patched below
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId).nullableString(h.clientId ?? 'raw-test');
  if (h.flexibleHeader) w.emptyTaggedFields();
  w.raw(body);
  const frame = w.toBuffer();
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** Offset of the body inside a frame built by requestFrame with a v1 (non-flexible) header. */
export function bodyOffset(frame: Buffer): number {
  const clientIdLen = frame.readInt16BE(12);
  return 14 + Math.max(clientIdLen, 0);
}

/** ApiVersions request; v3+ carries client software name/version and a flexible header. */
export function apiVersionsRequest(version: number, correlationId: number): Buffer {
  if (version < 3) return requestFrame({ apiKey: 18, apiVersion: version, correlationId });
  const body = new Writer(64)
    .compactString('raw-test')
    .compactString('1.0.0')
    .emptyTaggedFields()
    .toBuffer();
  return requestFrame({ apiKey: 18, apiVersion: version, correlationId, flexibleHeader: true }, body);
}

/** Metadata v1-v6 for the given topics (null = all topics), auto-creation allowed on v4+. */
export function metadataRequest(version: number, correlationId: number, topics: string[] | null): Buffer {
  const w = new Writer(64);
  w.nullableArray(topics, (w, t) => w.string(t));
  if (version >= 4) w.boolean(true);
  return requestFrame({ apiKey: 3, apiVersion: version, correlationId }, w.toBuffer());
}

/** Produce v3-v7 carrying one record batch for one partition. */
export function produceRequest(
  version: number,
  correlationId: number,
  topic: string,
  partition: number,
  batch: Buffer,
  acks = -1,
): Buffer {
  const w = new Writer(64 + batch.length);
  w.nullableString(null).int16(acks).int32(30_000);
  w.int32(1).string(topic);
  w.int32(1).int32(partition).bytes(batch);
  return requestFrame({ apiKey: 0, apiVersion: version, correlationId }, w.toBuffer());
}

/**
 * A v2 record batch with compression codec `codecId` in its attributes, `payload` as its
 * (supposedly compressed) records and a valid CRC: what a client sends for a compressed batch,
 * or, with a payload that is not what the codec expects, a batch no consumer can decode.
 */
export function compressedBatch(codecId: number, payload: Buffer, count: number): Buffer {
  const total = 61 + payload.length;
  const b = Buffer.alloc(total);
  const now = BigInt(Date.now());
  b.writeBigInt64BE(0n, 0); // base offset (the broker assigns it)
  b.writeInt32BE(total - 12, 8); // batch length
  b.writeInt8(2, 16); // magic
  b.writeInt16BE(codecId, 21); // attributes
  b.writeInt32BE(count - 1, 23); // last offset delta
  b.writeBigInt64BE(now, 27);
  b.writeBigInt64BE(now, 35);
  b.writeBigInt64BE(-1n, 43); // producer id
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(count, 57);
  payload.copy(b, 61);
  b.writeUInt32BE(crc32c(b, 21, total), 17);
  return b;
}

/** Fetch v4 for one partition (a long-poll: the broker may hold it for up to maxWaitMs). */
export function fetchRequest(
  correlationId: number,
  topic: string,
  partition: number,
  fetchOffset: bigint,
  maxWaitMs: number,
  minBytes = 1,
): Buffer {
  const w = new Writer(64);
  w.int32(-1).int32(maxWaitMs).int32(minBytes).int32(1 << 20).int8(0);
  w.int32(1).string(topic);
  w.int32(1).int32(partition).int64(fetchOffset).int32(1 << 20);
  return requestFrame({ apiKey: 1, apiVersion: 4, correlationId }, w.toBuffer());
}

/** Error code of the first partition of a Produce v3-v7 response. */
export function readProduceError(body: Reader): { topic: string; partition: number; errorCode: number; baseOffset: bigint } {
  body.int32(); // topic count
  const topic = body.string();
  body.int32(); // partition count
  const partition = body.int32();
  const errorCode = body.int16();
  const baseOffset = body.int64();
  return { topic, partition, errorCode, baseOffset };
}

/** First partition of a Fetch v4 response: error, high watermark and the raw record bytes. */
export function readFetchV4(body: Reader): { errorCode: number; highWatermark: bigint; records: Buffer | null } {
  body.int32(); // throttle
  body.int32(); // topic count
  body.string();
  body.int32(); // partition count
  body.int32(); // partition index
  const errorCode = body.int16();
  const highWatermark = body.int64();
  body.int64(); // last stable offset
  body.nullableArray((r) => [r.int64(), r.int64()]); // aborted transactions
  return { errorCode, highWatermark, records: body.nullableBytes() };
}

export interface RawResponse {
  correlationId: number;
  /** Positioned just after the correlation id (response header v0). */
  body: Reader;
  frame: Buffer;
}

/** One TCP connection that collects response frames and notices when the peer hangs up. */
export class RawConnection {
  private readonly frames: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  private destroyedByUs = false;
  private isClosed = false;
  /** Total bytes received from the broker. */
  bytesReceived = 0;
  /** Resolves when the socket is fully closed, by either side. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.bytesReceived += d.length;
      this.pending = this.pending.length ? Buffer.concat([this.pending, d]) : d;
      while (this.pending.length >= 4) {
        const size = this.pending.readInt32BE(0);
        if (size < 0 || this.pending.length < 4 + size) break;
        this.frames.push(this.pending.subarray(4, 4 + size));
        this.pending = this.pending.subarray(4 + size);
      }
      this.notify();
    });
    // Resets and broken pipes are expected when talking nonsense to a server.
    socket.on('error', () => {});
    this.closed = new Promise((r) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.notify();
        r();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<RawConnection> {
    return new Promise((resolveConn, reject) => {
      const socket = connect({ port, host });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolveConn(new RawConnection(socket));
      });
    });
  }

  /** True once the broker closed or reset the connection (not counting our own destroy()). */
  get closedByPeer(): boolean {
    return this.isClosed && !this.destroyedByUs;
  }

  write(data: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Response frames received and not yet taken. */
  takeFrames(): Buffer[] {
    return this.frames.splice(0);
  }

  /** The next response; rejects if the connection closes first or nothing arrives in time. */
  async nextResponse(timeoutMs = 10_000): Promise<RawResponse> {
    const ok = await this.waitFor(() => this.frames.length > 0 || this.isClosed, timeoutMs);
    const frame = this.frames.shift();
    if (!frame) throw new Error(ok ? 'connection closed before a response arrived' : `no response within ${timeoutMs} ms`);
    const body = new Reader(frame);
    return { correlationId: body.int32(), body, frame };
  }

  /** Waits for the broker to close the connection; true if it did within the time. */
  waitForClose(timeoutMs = 10_000): Promise<boolean> {
    return this.waitFor(() => this.isClosed, timeoutMs);
  }

  /** Waits until `cond` holds (checked on every socket event); false on timeout. */
  waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolveWait) => {
      if (cond()) return resolveWait(true);
      const check = () => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolveWait(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        resolveWait(cond());
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  destroy(): void {
    if (!this.isClosed) this.destroyedByUs = true;
    this.socket.destroy();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Decodes an ApiVersions response body in the v0 layout (error, [key, min, max]). */
export function readApiVersionsV0(body: Reader): { errorCode: number; apis: { apiKey: number; min: number; max: number }[] } {
  const errorCode = body.int16();
  const apis = body.array((r) => ({ apiKey: r.int16(), min: r.int16(), max: r.int16() }));
  return { errorCode, apis };
}
