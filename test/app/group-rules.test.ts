/**
 * Consumer-group rules the app lives with, asserted on whichever broker TEST_KAFKA selects:
 * - a session timeout below the broker's minimum (Kafka's group.min.session.timeout.ms, 6 s; the
 *   embedded broker uses the same minimum) keeps the app out of the group with Kafka's error,
 *   visible in /readyz, and the app keeps running;
 * - the first member of a new group waits for the initial rebalance delay before it gets its
 *   assignment: 3 s on Apache Kafka (group.initial.rebalance.delay.ms default), 100 ms on the
 *   embedded broker. Only lower bounds are asserted, which load cannot break.
 * Both are listed in docs/compatibility.md.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { createTopicsAndWait, onApacheKafka, suiteName } from '../helpers/suite-kafka.js';
import { startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';

let broker: SuiteBroker;
let admin: Admin;
let app: RunningApp | undefined;

before(async () => {
  broker = await startSuiteBroker();
  admin = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
});

after(async () => {
  await app?.stop();
  await admin?.disconnect();
  await broker?.close();
  if (broker?.dataDir) fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

test('a session timeout below the broker minimum: refused with INVALID_SESSION_TIMEOUT, shown in /readyz, nobody joins', async () => {
  const group = suiteName('rules-short-session');
  const topic = suiteName('rules-topic');
  await createTopicsAndWait(admin, [{ topic, numPartitions: 3 }]);
  app = await startTestApp(broker.address, {
    env: { KAFKA_GROUP_ID: group, KAFKA_TOPIC: topic, KAFKA_SESSION_TIMEOUT_MS: '2000', KAFKA_HEARTBEAT_INTERVAL_MS: '500' },
  });
  const seen = await waitFor('the join refused', async () => {
    const res = await fetch(`${app!.url}/readyz`);
    const body = (await res.json()) as { consumer: { state: string; lastError?: string } };
    return res.status === 503 && /session timeout is not within the range allowed by the broker/i.test(body.consumer.lastError ?? '') ? body : undefined;
  }, 30_000);
  assert.notEqual(seen.consumer.state, 'running');
  const { groups } = await admin.describeGroups([group]);
  assert.equal(groups[0]!.members.length, 0, 'the broker admitted no member');
  // The web side keeps serving while the consumer retries.
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  await app.stop();
  app = undefined;
});

test(`the first member of a new group waits for the initial rebalance delay (${onApacheKafka ? "Kafka's 3 s" : "the embedded broker's 100 ms"})`, async () => {
  const topic = suiteName('rules-delay-topic');
  await createTopicsAndWait(admin, [{ topic, numPartitions: 1 }]);
  const consumer = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING }).consumer({ groupId: suiteName('rules-delay'), sessionTimeout: 6000 });
  await consumer.connect();
  try {
    const joined = new Promise<number>((resolve) => consumer.on(consumer.events.GROUP_JOIN, (e) => resolve(e.payload.duration)));
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ eachMessage: async () => undefined });
    const duration = await joined;
    // kafkajs measures JoinGroup + SyncGroup; the broker holds the JoinGroup for the delay.
    assert.ok(duration >= (onApacheKafka ? 3000 : 100), `join took ${duration} ms`);
  } finally {
    await consumer.disconnect();
  }
});
