import net from 'node:net';
import tls from 'node:tls';
import { ErrorCode } from '../broker/index.js';

export interface ApiVersionRange {
  min: number;
  max: number;
}

export interface ProbeResult {
  /** API key -> supported version range, as the broker advertised it. */
  apis: Map<number, ApiVersionRange>;
}

const API_VERSIONS_KEY = 18;
export const INIT_PRODUCER_ID_KEY = 22;

/**
 * Asks host:port "are you a Kafka broker, and which APIs do you speak?" with an ApiVersions v0
 * request. Version 0 is understood by every broker since 0.10, so this works against the
 * embedded broker and real Kafka alike, and it is cheap enough to use as a liveness check.
 * Rejects on refusal, timeout, or a reply that is not a well-formed ApiVersions response.
 * With `tlsOptions` the probe speaks TLS (a TLS listener would drop plain bytes); Kafka answers
 * ApiVersions before SASL authentication, so no credentials are needed.
 */
export function probeKafka(
  host: string,
  port: number,
  timeoutMs = 1500,
  clientId = 'kafka-web-demo-probe',
  tlsOptions?: tls.ConnectionOptions,
): Promise<ProbeResult> {
  return apiVersionsOver(host, port, timeoutMs, clientId, tlsOptions, false).then(({ result }) => result);
}

export interface HeldKafkaConnection {
  result: ProbeResult;
  /** Resolves when the broker closes the connection (it stopped, or its process died). */
  closed: Promise<void>;
  close(): void;
}

/**
 * Like probeKafka, but keeps the connection open afterwards: the kernel closes it the moment
 * the broker's process exits, however it exits, which is the fastest way to notice.
 */
export function holdKafkaConnection(host: string, port: number, timeoutMs = 1500, clientId = 'kafka-web-demo-watch'): Promise<HeldKafkaConnection> {
  return apiVersionsOver(host, port, timeoutMs, clientId, undefined, true).then(({ result, socket }) => {
    const closed = new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
    });
    socket.on('error', () => socket.destroy());
    // Anything the broker sends unasked is not ours to read; only the close matters.
    socket.on('data', () => {});
    socket.setKeepAlive(true, 1000);
    return { result, closed, close: () => socket.destroy() };
  });
}

function apiVersionsOver(
  host: string,
  port: number,
  timeoutMs: number,
  clientId: string,
  tlsOptions: tls.ConnectionOptions | undefined,
  keepOpen: boolean,
): Promise<{ result: ProbeResult; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const correlationId = Math.floor(Math.random() * 0x7fffffff);
    const client = Buffer.from(clientId, 'utf8');
    const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + client.length);
    let o = request.writeInt32BE(request.length - 4, 0);
    o = request.writeInt16BE(API_VERSIONS_KEY, o);
    o = request.writeInt16BE(0, o);
    o = request.writeInt32BE(correlationId, o);
    o = request.writeInt16BE(client.length, o);
    client.copy(request, o);

    let received = Buffer.alloc(0);
    let settled = false;
    const socket = tlsOptions
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...tlsOptions })
      : net.connect({ host, port });
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (size < 6 || size > 1 << 20) return finish(new Error(`${host}:${port} does not speak the Kafka protocol`));
      if (received.length < 4 + size) return;
      try {
        finish(null, parseApiVersionsV0(received.subarray(4, 4 + size), correlationId));
      } catch (err) {
        finish(err as Error);
      }
    };
    const onClose = () => finish(new Error(`${host}:${port} closed the connection without an ApiVersions answer`));
    const onError = (err: Error) => finish(err);
    const finish = (err: Error | null, result?: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (err || !keepOpen) socket.destroy();
      if (err) reject(err);
      else resolve({ result: result!, socket });
    };
    let connected = false;
    const timer = setTimeout(() => {
      // Connected but silent: something holds the port (busy, stopped, or still starting).
      const err = new Error(`no ApiVersions answer from ${host}:${port} within ${timeoutMs} ms`) as NodeJS.ErrnoException;
      if (connected) err.code = 'ESILENT';
      finish(err);
    }, timeoutMs);

    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
  });
}

function parseApiVersionsV0(body: Buffer, correlationId: number): ProbeResult {
  if (body.readInt32BE(0) !== correlationId) throw new Error('ApiVersions answer has the wrong correlation id');
  const errorCode = body.readInt16BE(4);
  if (errorCode !== ErrorCode.NONE) throw new Error(`ApiVersions failed with Kafka error code ${errorCode}`);
  const count = body.readInt32BE(6);
  if (count < 0 || 10 + count * 6 > body.length) throw new Error('malformed ApiVersions answer');
  const apis = new Map<number, ApiVersionRange>();
  for (let i = 0; i < count; i++) {
    const at = 10 + i * 6;
    apis.set(body.readInt16BE(at), { min: body.readInt16BE(at + 2), max: body.readInt16BE(at + 4) });
  }
  return { apis };
}

/** Splits "host:port" (IPv6 hosts in brackets). */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  let host = address.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(address.slice(i + 1)) };
}

/** First broker of the list that answers; rejects with the last error if none does. */
export async function probeAny(
  addresses: readonly string[],
  timeoutMs?: number,
  tlsOptions?: tls.ConnectionOptions,
): Promise<ProbeResult & { address: string }> {
  let last: unknown = new Error('no broker addresses');
  for (const address of addresses) {
    const { host, port } = splitHostPort(address);
    try {
      return { ...(await probeKafka(host, port, timeoutMs, undefined, tlsOptions)), address };
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
