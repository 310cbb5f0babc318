/**
 * 500 and 413 pages. No Kafka traffic is involved: the services are real but never started, and
 * the consumer's status provider is made to fail so a page handler throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createKafkaGateway } from '../../src/kafka/gateway/index.js';
import { ProducerService } from '../../src/kafka/producer-service.js';
import { MessageStore } from '../../src/messages/store.js';
import { createApp } from '../../src/web/app.js';
import { AdminService } from '../../src/kafka/admin-service.js';
import { FailureSwitch } from '../../src/kafka/failure-switch.js';
import { createMetrics } from '../../src/web/metrics.js';
import { MessageStream } from '../../src/web/sse.js';
import { Client } from './harness.js';

async function serve(nodeEnv: string, fn: (client: Client) => Promise<void>) {
  const config = loadConfig({
    files: { configJson: null, dotenv: null },
    env: { NODE_ENV: nodeEnv, MESSAGES_MAX_BYTES: '1000', KAFKA_BROKERS: '127.0.0.1:1' },
  });
  const logger = pino({ level: 'silent' });
  const gateway = createKafkaGateway({ brokers: ['127.0.0.1:1'], clientId: 'x', connectionTimeoutMs: 100, requestTimeoutMs: 100, logger });
  const producer = new ProducerService({ gateway, logger, brokers: ['127.0.0.1:1'], idempotence: 'auto', sendTimeoutMs: 1000 });
  const store = new MessageStore(10);
  const consumer = {
    status(): never {
      throw new Error('status exploded: secret detail');
    },
    pause: async () => {},
    resume: async () => {},
    switchGroup: async () => {},
  };
  const admin = new AdminService({ gateway, logger, timeoutMs: 500 });
  const metrics = createMetrics({
    producer,
    consumer: store,
    consumerTarget: () => ({ groupId: 'g', topic: 't' }),
    groupLag: (g, t, ms) => admin.groupLag(g, t, ms),
    instanceId: () => 'test-instance',
    logger,
  });
  const app = createApp({
    config,
    logger,
    producer,
    consumer,
    admin,
    failure: new FailureSwitch({ mode: 'none', afterMessages: 1, stallMs: 1000, logger }),
    metrics,
    streams: new MessageStream(store),
    store,
    broker: { status: () => ({ mode: 'external', addresses: ['127.0.0.1:1'], host: null, reachable: true, handoffs: 0 }) },
    instanceId: () => 'test-instance',
    lifecycle: { isShuttingDown: () => false },
    secrets: { session: 's'.repeat(32), csrf: 'c'.repeat(32) },
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await fn(new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('an unexpected error renders the 500 page without details in production', async () => {
  await serve('production', async (client) => {
    const res = await client.get('/');
    assert.equal(res.status, 500);
    assert.match(res.text, /Something went wrong/);
    assert.doesNotMatch(res.text, /secret detail|status exploded|at .*\.ts/);
    assert.doesNotMatch(res.text, /data-testid="stack"/);
  });
});

test('NODE_ENV=development shows the stack trace on the 500 page', async () => {
  await serve('development', async (client) => {
    const res = await client.get('/consume');
    assert.equal(res.status, 500);
    assert.match(res.text, /data-testid="stack"/);
    assert.match(res.text, /status exploded: secret detail/);
  });
});

test('a form body over the limit gets the 413 page', async () => {
  await serve('production', async (client) => {
    const token = await client.csrfToken('/produce');
    const res = await client.postForm('/produce', { topic: 'test-topic', message: 'x'.repeat(200_000), _csrf: token });
    assert.equal(res.status, 413);
    assert.match(res.text, /Too large/);
  });
});
