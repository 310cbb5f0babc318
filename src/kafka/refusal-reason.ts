import net from 'node:net';
import tls from 'node:tls';

/**
 * Why a broker refused a CreateTopics or CreatePartitions. kafkajs keeps only the error code of
 * such a refusal and drops the broker's errorMessage (e.g. "this broker serves at most 10000
 * partitions ..."), which is the part a user needs. So after a refusal we ask the same question
 * again with validateOnly set, on a raw connection, and read the message. Kafka (and the
 * embedded broker) run the same checks for validateOnly, and nothing is created.
 *
 * Best effort: null on any problem (no answer within the time, SASL required, a layout we do not
 * expect); the caller still has kafkajs's generic message.
 */
export type RefusedCreate = { kind: 'topic'; topic: string; partitions: number } | { kind: 'partitions'; topic: string; count: number };

const CREATE_TOPICS = { key: 19, version: 4 };
const CREATE_PARTITIONS = { key: 37, version: 1 };

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(2 + b.length);
  out.writeInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n, 0);
  return b;
}

function requestBody(req: RefusedCreate): Buffer {
  if (req.kind === 'topic') {
    // [name, partitions, replication factor -1 (broker default, v4+), no assignments, no configs], timeout, validateOnly
    return Buffer.concat([int32(1), str(req.topic), int32(req.partitions), int16(-1), int32(0), int32(0), int32(10_000), Buffer.from([1])]);
  }
  // [name, count, no assignments (null)], timeout, validateOnly
  return Buffer.concat([int32(1), str(req.topic), int32(req.count), int32(-1), int32(10_000), Buffer.from([1])]);
}

/** Reads [name, errorCode, errorMessage] of the first topic from a CreateTopics v4 / CreatePartitions v1 response body. */
function parseMessage(body: Buffer): string | null {
  let o = 4; // throttle time
  if (body.readInt32BE(o) < 1) return null;
  o += 4;
  o += 2 + body.readInt16BE(o); // name
  const code = body.readInt16BE(o);
  o += 2;
  const len = body.readInt16BE(o);
  if (code === 0 || len < 0) return null;
  return body.toString('utf8', o + 2, o + 2 + len);
}

export function refusalReason(address: string, req: RefusedCreate, tlsOptions?: tls.ConnectionOptions, timeoutMs = 3000): Promise<string | null> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  const port = Number(address.slice(at + 1));
  const api = req.kind === 'topic' ? CREATE_TOPICS : CREATE_PARTITIONS;
  const correlationId = 0x5ea50;
  const clientId = str('kafka-web-demo-refusal');
  const head = Buffer.concat([int16(api.key), int16(api.version), int32(correlationId), clientId]);
  const payload = Buffer.concat([head, requestBody(req)]);
  const frame = Buffer.concat([int32(payload.length), payload]);
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = tlsOptions
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...tlsOptions })
      : net.connect({ host, port });
    const finish = (reason: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => socket.write(frame));
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (size < 8 || size > 1 << 20) return finish(null);
      if (received.length < 4 + size) return;
      try {
        if (received.readInt32BE(4) !== correlationId) return finish(null);
        finish(parseMessage(received.subarray(8, 4 + size)));
      } catch {
        finish(null);
      }
    });
  });
}
