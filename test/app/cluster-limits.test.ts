/**
 * A topic or partition create that the broker refuses for its partition limit: the /cluster page
 * says so, with the broker's own reason (kafkajs drops it; the gateway asks the broker again with
 * validateOnly), and nothing is created.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { Client, startTestApp, waitFor } from './harness.js';

const TOPIC = 'limits-topic';
let tb: TestBroker;
let app: RunningApp;

before(async () => {
  tb = await startTestBroker({ maxPartitions: 8 });
  await tb.broker.logs.createTopic(TOPIC, 3);
  app = await startTestApp(tb.brokers[0]!, { env: { KAFKA_TOPIC: TOPIC, KAFKA_GROUP_ID: 'limits-group' } });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
});
after(async () => {
  await app?.stop();
  await tb?.cleanup();
});

test('creating a topic or adding partitions beyond the broker limit shows the broker reason on /cluster', async () => {
  const client = new Client(app.url);
  const created = await client.clusterForm('/cluster/topics', { topic: 'too-big', partitions: '6' });
  assert.equal(created.status, 303);
  const flash = await client.flashText();
  assert.equal(flash?.kind, 'danger');
  assert.equal(flash?.text, 'Topic too-big was not created: the broker refused the request.');
  assert.match(flash?.detail ?? '', /at most 8 partitions over all topics \(maxPartitions\) and has 3; 6 more would make 9/);
  assert.equal(tb.broker.logs.getTopic('too-big'), undefined);
  assert.deepEqual(fs.readdirSync(tb.dataDir).filter((d) => d.startsWith('too-big-')), []);

  await client.clusterForm('/cluster/partitions', { topic: TOPIC, count: '9' });
  const grown = await client.flashText();
  assert.equal(grown?.kind, 'danger');
  assert.equal(grown?.text, `No partitions were added to ${TOPIC}: the broker refused the request.`);
  assert.match(grown?.detail ?? '', /has 3; 6 more would make 9/);
  assert.equal(tb.broker.logs.getTopic(TOPIC)!.partitions, 3);

  // Within the limit it still works.
  await client.clusterForm('/cluster/partitions', { topic: TOPIC, count: '8' });
  assert.equal((await client.flashText())?.text, `Topic ${TOPIC} now has 8 partitions (it had 3).`);
});
