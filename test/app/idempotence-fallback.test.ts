/**
 * Idempotence fallback against a broker that lacks InitProducerId. The embedded broker supports
 * it, so a small Kafka-aware TCP proxy in front of it removes API key 22 from ApiVersions answers
 * (the broker advertises the proxy's port, so every client connection goes through it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startBroker } from '../../src/broker/index.js';
import { loadConfig } from '../../src/config.js';
import { startApp } from '../../src/main.js';
import { Client, tempDir, waitFor } from './harness.js';
import { freePort } from '../helpers/ports.js';

const API_VERSIONS = 18;
const INIT_PRODUCER_ID = 22;

/** Reads length-prefixed Kafka frames off a stream of chunks. */
function framer(onFrame: (frame: Buffer) => void) {
  let buf = Buffer.alloc(0);
  return (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const size = buf.readInt32BE(0);
      onFrame(buf.subarray(0, 4 + size));
      buf = buf.subarray(4 + size);
    }
  };
}

/** ApiVersions v0-v2 response without the InitProducerId entry. */
function withoutInitProducerId(frame: Buffer, version: number): Buffer {
  const corr = frame.readInt32BE(4);
  const error = frame.readInt16BE(8);
  const count = frame.readInt32BE(10);
  const entries: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const at = 14 + i * 6;
    if (frame.readInt16BE(at) !== INIT_PRODUCER_ID) entries.push(frame.subarray(at, at + 6));
  }
  const tail = version >= 1 ? frame.subarray(14 + count * 6) : Buffer.alloc(0);
  const body = Buffer.concat([Buffer.alloc(10), ...entries, tail]);
  body.writeInt32BE(corr, 0);
  body.writeInt16BE(error, 4);
  body.writeInt32BE(entries.length, 6);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

async function startProxy(hideFromVersion: (v: number) => boolean) {
  let upstreamPort = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const pending = new Map<number, { apiKey: number; version: number }>();
    client.on('data', framer((f) => {
      pending.set(f.readInt32BE(8), { apiKey: f.readInt16BE(4), version: f.readInt16BE(6) });
      upstream.write(f);
    }));
    upstream.on('data', framer((f) => {
      const corr = f.readInt32BE(4);
      const req = pending.get(corr);
      pending.delete(corr);
      const rewrite = req?.apiKey === API_VERSIONS && req.version <= 2 && hideFromVersion(req.version) && f.readInt16BE(8) === 0;
      client.write(rewrite ? withoutInitProducerId(f, req.version) : f);
    }));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    setUpstream: (port: number) => (upstreamPort = port),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}


async function scenario(hideFromVersion: (v: number) => boolean, expectedLog: RegExp) {
  const proxy = await startProxy(hideFromVersion);
  const dataDir = tempDir('kwd-idem-');
  // RunningBroker.port reports the advertised (proxy) port, so bind the broker to a known one.
  const brokerPort = await freePort();
  const broker = await startBroker({ host: '127.0.0.1', port: brokerPort, advertisedPort: proxy.port, dataDir, logger: pino({ level: 'silent' }) });
  proxy.setUpstream(brokerPort);

  const lines: Array<{ msg?: string; level?: number }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const config = loadConfig({
    cwd: dataDir,
    files: { configJson: null, dotenv: null },
    argv: ['--port', '0', '--brokers', `127.0.0.1:${proxy.port}`, '--group-id', 'idem-group'],
    env: { SESSION_SECRET: 'x'.repeat(20), CSRF_SECRET: 'y'.repeat(20) },
  });
  const app = await startApp(config, pino({ level: 'warn' }, sink));
  try {
    const status = await waitFor('producer connected', () => {
      const s = app.producer.status();
      return s.state === 'connected' ? s : undefined;
    });
    assert.equal(status.idempotent, false);
    assert.ok(lines.some((l) => expectedLog.test(l.msg ?? '')), `log lines: ${lines.map((l) => l.msg).join(' | ')}`);

    const sent = await new Client(app.url).postJson('/api/messages', { value: 'without idempotence' });
    assert.equal(sent.status, 201);
    await waitFor('consumed', () => app.store.newestFirst().some((m) => m.value === 'without idempotence'));
    const home = await new Client(app.url).get('/');
    assert.match(home.text, /no \(broker does not support it\)/);
  } finally {
    await app.stop();
    await broker.close();
    await proxy.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('broker without InitProducerId in ApiVersions: non-idempotent producer (acks=all), logged, sending works', async () => {
  await scenario(() => true, /does not advertise InitProducerId; using a non-idempotent producer/);
});

test('broker that advertises InitProducerId to the probe but not to kafkajs: connect fails, producer falls back', async () => {
  // Our probe speaks ApiVersions v0, kafkajs v1+; hiding the API only from v1+ makes the
  // idempotent connect itself fail, which is the second detection path.
  await scenario((v) => v >= 1, /refused InitProducerId; falling back to a non-idempotent producer/);
});
