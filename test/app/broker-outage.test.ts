import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { Client, consumeValues, startTestApp, startSuiteBroker, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';

/**
 * A broker and an app consuming `<name>-topic` in `<name>-group`, both this test's own: an
 * outage test leaves its broker restarted (or down), which no other test should have to know.
 * The broker comes back on the same port and data directory, as a restarted Kafka would.
 */
async function outageSetup(t: TestContext, name: string) {
  let broker: SuiteBroker | undefined = await startSuiteBroker();
  const { dataDir, port } = broker;
  const app: RunningApp = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: `${name}-group`, KAFKA_TOPIC: `${name}-topic` } });
  t.after(async () => {
    await app.stop();
    await broker?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
  return {
    app,
    async stopBroker() {
      await broker!.close();
      broker = undefined;
    },
    async startBroker() {
      broker = await startSuiteBroker({ port, dataDir });
    },
  };
}

test('broker down: clear errors, the app keeps serving, and everything recovers when the broker returns', async (t) => {
  const { app, stopBroker, startBroker } = await outageSetup(t, 'outage');
  const client = new Client(app.url);
  assert.equal((await client.postJson('/api/messages', { key: 'outage-key', value: 'before' })).status, 201);
  await waitFor('first message consumed', () => app.store.size === 1);
  // The message is stored before its offset is committed; closing the broker in between would
  // (rightly) redeliver it, so wait until the broker reports the commit.
  await waitFor('first message committed', async () => (await app.admin.groupLag('outage-group', 'outage-topic')).every((p) => p.lag === 0n));

  await stopBroker();

  // The API answers (no hang) with 503 and says why.
  const api = await client.postJson('/api/messages', { value: 'while-down' });
  assert.equal(api.status, 503);
  assert.equal(api.headers.get('retry-after'), '5');
  const body = api.json<{ error: string; message: string }>();
  assert.ok(['unavailable', 'timeout'].includes(body.error), body.error);
  assert.ok(body.message.length > 0);

  // The form uses the same POST/redirect/GET, with an error flash and the values restored.
  const posted = await client.sendForm({ topic: 'outage-topic', key: 'kk', message: 'typed while down' });
  assert.equal(posted.status, 303);
  const landing = await client.get('/produce');
  const at = landing.text.indexOf('data-testid="flash"');
  assert.ok(at > 0, 'a flash is shown');
  assert.match(landing.text.slice(at - 80, at), /alert-danger/);
  const flash = unescapeHtml(landing.text.slice(at, at + 800));
  assert.match(flash, /The message was not sent: (the Kafka broker is unreachable|Kafka did not confirm)/);
  assert.ok(landing.text.includes('>typed while down</textarea>'), 'message restored into the form');
  assert.ok(landing.text.includes('value="kk"'), 'key restored into the form');

  // Pages keep working, and readiness reports the outage.
  assert.equal((await client.get('/')).status, 200);
  assert.equal((await client.get('/consume')).status, 200);
  assert.equal((await client.get('/healthz')).status, 200);
  const notReady = await waitFor(
    'readiness to drop',
    async () => {
      const res = await client.get('/readyz');
      return res.status === 503 ? res.json() : undefined;
    },
    30_000,
  );
  assert.equal(notReady.status, 'not ready');
  const home = await client.get('/');
  assert.doesNotMatch(home.text, /data-testid="producer-state">\s*<span class="badge text-bg-success"/);

  // The group view says Kafka cannot be read (JSON 503, page with the reason); metrics still answer.
  const cluster = await client.get('/api/cluster');
  assert.equal(cluster.status, 503);
  const clusterBody = cluster.json<{ cluster: null; error: string; instance: { id: string } }>();
  assert.equal(clusterBody.cluster, null);
  assert.ok(clusterBody.error.length > 0);
  assert.equal(clusterBody.instance.id, app.instanceId);
  const clusterPage = await client.get('/cluster');
  assert.equal(clusterPage.status, 200);
  assert.match(clusterPage.text, /data-testid="load-error">The cluster could not be read: /);
  const scrape = await client.get('/metrics');
  assert.equal(scrape.status, 200);
  assert.match(scrape.text, /^kafka_web_demo_messages_produced_total\{topic="outage-topic"\} 1$/m);
  assert.doesNotMatch(scrape.text, /^kafka_web_demo_consumer_lag\{/m, 'no made-up lag while the broker is away');

  // Same port, same data: the producer reconnects and the consumer rejoins by themselves.
  await startBroker();
  const ready = await waitFor(
    'readiness to return',
    async () => {
      const res = await client.get('/readyz');
      return res.status === 200 ? res.json() : undefined;
    },
    45_000,
  );
  assert.equal(ready.producer.state, 'connected');
  assert.equal(ready.consumer.state, 'running');

  const after = await client.postJson('/api/messages', { key: 'outage-key', value: 'after-recovery' });
  assert.equal(after.status, 201);
  await waitFor(
    'recovered message on the Consume page',
    async () => consumeValues((await client.get('/consume')).text).includes('after-recovery'),
    30_000,
  );
  // 'before' and 'after-recovery' share a key, so a partition: a redelivery of the committed
  // 'before' would have been consumed ahead of 'after-recovery'.
  const values = app.store.newestFirst().map((m) => m.value);
  assert.equal(values.filter((v) => v === 'before').length, 1, 'the committed message is not consumed again');

  // The outage is visible in the metrics: the consumer crashed (and was restarted) at least once.
  const metrics = await (await fetch(`${app.url}/metrics`)).text();
  const crashes = Number(/^kafka_web_demo_consumer_crashes_total (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(crashes >= 1, `consumer crashes counted (${crashes})`);
  assert.ok(app.consumer.status().restarts >= crashes);
});

test('an idle app notices a lost broker by itself and recovers without traffic', async (t) => {
  const { app, stopBroker, startBroker } = await outageSetup(t, 'idle');
  const client = new Client(app.url);
  await stopBroker();
  // Nothing is sent: the producer's liveness probe and the consumer's own failures must notice.
  const down = await waitFor(
    'idle readiness to drop',
    async () => {
      const res = await client.get('/readyz');
      return res.status === 503 ? res.json() : undefined;
    },
    40_000,
  );
  assert.ok(down.producer.state !== 'connected' || down.consumer.state !== 'running');

  await startBroker();
  await waitFor('idle readiness to return', async () => (await client.get('/readyz')).status === 200, 45_000);
  assert.equal((await client.postJson('/api/messages', { value: 'after-idle-outage' })).status, 201);
  await waitFor('consumed after idle outage', () => app.store.newestFirst().some((m) => m.value === 'after-idle-outage'), 30_000);
});

test('a broker that accepts connections but never answers gives 503, not a hanging request', async () => {
  const net = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const blackhole = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(blackhole.address() as import('node:net').AddressInfo).port}`;
  const stuck = await startTestApp(address, { env: { KAFKA_GROUP_ID: 'blackhole-group', KAFKA_SEND_TIMEOUT_MS: '3000' } });
  try {
    const client = new Client(stuck.url);
    // The client gives up after 20 s: a hang fails the test instead of stalling it.
    const res = await client.request('POST', '/api/messages', {
      body: JSON.stringify({ value: 'into the void' }),
      headers: { 'content-type': 'application/json' },
      timeoutMs: 20_000,
    });
    assert.equal(res.status, 503);
    assert.ok(['unavailable', 'timeout'].includes(res.json().error));
    assert.equal((await client.get('/')).status, 200);
    assert.equal((await client.get('/readyz')).status, 503);
  } finally {
    await stuck.stop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => blackhole.close(r));
  }
});
