/**
 * Readiness follows the broker's return: after an outage long enough for the reconnect backoff
 * to grow, the producer and the consumer come back as soon as the broker answers a probe, not
 * when their backoff timers run out. The services get a 10-minute backoff here, so without the
 * recovery probe neither could recover within the test's bound; with it they do, whatever the
 * machine's load (the bound is minutes away from both outcomes).
 *
 * The same outage must not log at error level: an unreachable broker and the rebalance after
 * it are expected conditions (kafkajs logs them as errors; the gateway maps them to warn/info).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createKafkaGateway } from '../../src/kafka/gateway/index.js';
import { probeAny } from '../../src/kafka/probe.js';
import { ProducerService } from '../../src/kafka/producer-service.js';
import { ConsumerWorker } from '../../src/kafka/consumer-worker.js';
import { MessageStore } from '../../src/messages/store.js';
import { startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';

const LONG_BACKOFF = { initialMs: 600_000, maxMs: 600_000 };

let broker: SuiteBroker | undefined;
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

test('producer and consumer reconnect as soon as the broker answers again, not after their backoff', async () => {
  broker = await startSuiteBroker();
  const { port, dataDir } = broker;
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const lines: Array<{ level: number; msg: string; component?: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const brokers = [broker.address];
  const gateway = createKafkaGateway({ brokers, clientId: 'recovery-test', connectionTimeoutMs: 1000, requestTimeoutMs: 3000, logger });
  const producer = new ProducerService({ gateway, logger, brokers, idempotence: 'auto', sendTimeoutMs: 3000, healthCheckIntervalMs: 500, backoff: LONG_BACKOFF });
  const store = new MessageStore(10);
  const consumer = new ConsumerWorker({
    gateway,
    logger,
    store,
    topic: 'recovery-topic',
    groupId: 'recovery-group',
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 1000,
    instanceId: () => 'recovery-instance',
    backoff: LONG_BACKOFF,
    probe: () => probeAny(brokers, 1000),
  });
  cleanups.push(() => producer.stop(), () => consumer.stop());
  producer.start();
  consumer.start();
  await waitFor('connected and running', () => producer.status().state === 'connected' && consumer.status().state === 'running', 30_000);

  await broker.close();
  broker = undefined;
  // Both notice the outage and schedule their (10-minute) retry.
  await waitFor(
    'both lost the broker',
    () => producer.status().state === 'disconnected' && consumer.status().state === 'crashed',
    60_000,
  );
  assert.ok(consumer.status().nextRetryAt!.getTime() - Date.now() > 60_000, 'the consumer would wait minutes by its backoff');

  broker = await startSuiteBroker({ port, dataDir });
  cleanups.push(() => broker?.close() ?? Promise.resolve());
  await waitFor('both back', () => producer.status().state === 'connected' && consumer.status().state === 'running', 60_000);
  const sent = await producer.send({ topic: 'recovery-topic', key: 'k', value: 'after the outage' });
  assert.equal(sent.ok, true);
  await waitFor('consumed after recovery', () => store.newestFirst().some((m) => m.value === 'after the outage'), 30_000);

  const errors = lines.filter((l) => l.level >= 50);
  assert.deepEqual(errors.map((l) => `${l.component}: ${l.msg}`), [], 'nothing at error level for an outage and a rebalance');
  assert.ok(lines.some((l) => l.level === 40 && l.component === 'kafkajs'), 'the outage is visible at warn');
});
