import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';
import { suiteName } from '../helpers/suite-kafka.js';

const GROUP = suiteName('api-group');
const TOPIC = suiteName('api-topic');
let broker: SuiteBroker;
let app: RunningApp;

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: GROUP, KAFKA_TOPIC: TOPIC } });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
});

after(async () => {
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

interface ApiMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  receivedAt: string;
  instance: string;
  group: string;
}

test('JSON API round trip: POST returns 201 with the coordinates, GET lists it newest first', async () => {
  const client = new Client(app.url);
  const first = await client.postJson('/api/messages', { key: 'user-7', value: 'first' });
  assert.equal(first.status, 201);
  const created = first.json<{ topic: string; partition: number; offset: string }>();
  assert.equal(created.topic, TOPIC, 'topic defaults to kafka.topic');
  assert.ok(Number.isInteger(created.partition) && created.partition >= 0 && created.partition < 3);
  assert.match(created.offset, /^\d+$/);

  const second = await client.postJson('/api/messages', { topic: TOPIC, key: 'user-7', value: 'second' });
  assert.equal(second.status, 201);
  const created2 = second.json<{ partition: number; offset: string }>();
  assert.equal(created2.partition, created.partition, 'same key, same partition');
  assert.equal(BigInt(created2.offset), BigInt(created.offset) + 1n);

  const list = await waitFor('both messages consumed', async () => {
    const res = await client.get('/api/messages');
    const { messages } = res.json<{ messages: ApiMessage[] }>();
    return messages.filter((m) => m.key === 'user-7').length === 2 ? messages : undefined;
  });
  const mine = list.filter((m) => m.key === 'user-7');
  assert.deepEqual(mine.map((m) => m.value), ['second', 'first']);
  assert.deepEqual(Object.keys(mine[0]!).sort(), ['group', 'headers', 'instance', 'key', 'offset', 'partition', 'receivedAt', 'timestamp', 'topic', 'value']);
  assert.equal(mine[0]!.group, GROUP);
  assert.equal(mine[1]!.offset, created.offset);
  assert.equal(mine[0]!.instance, app.instanceId);
  assert.ok(!Number.isNaN(Date.parse(mine[0]!.receivedAt)));
});

test('JSON API validation: 400 with one error per field, same rules as the form', async () => {
  const client = new Client(app.url);
  const bad = await client.postJson('/api/messages', { topic: 'no spaces', key: 5, value: '' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json(), {
    errors: [
      { field: 'topic', message: 'Topic may only contain letters, digits, ".", "_" and "-".' },
      { field: 'key', message: 'Key must be a string.' },
      { field: 'value', message: 'Message is required.' },
    ],
  });
  const missing = await client.postJson('/api/messages', {});
  assert.deepEqual(missing.json(), { errors: [{ field: 'value', message: 'Message is required.' }] });
  const dots = await client.postJson('/api/messages', { topic: '.', value: 'x' });
  assert.deepEqual(dots.json(), { errors: [{ field: 'topic', message: 'Topic cannot be "." or "..".' }] });
  const notObject = await client.postJson('/api/messages', ['value']);
  assert.equal(notObject.status, 400);
  const malformed = await client.request('POST', '/api/messages', { body: '{"value":', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json().errors[0].field, 'body');
  const zh = await client.postJson('/api/messages', {}, { 'accept-language': 'zh-TW' });
  assert.deepEqual(zh.json(), { errors: [{ field: 'value', message: '訊息為必填。' }] });
});

test('a value over messages.maxBytes gets a field error; a body far over the limit gets 413', async () => {
  const small = await startTestApp(broker.address, { env: { MESSAGES_MAX_BYTES: '100', KAFKA_GROUP_ID: suiteName('api-small') } });
  try {
    const client = new Client(small.url);
    const over = await client.postJson('/api/messages', { value: 'x'.repeat(101) });
    assert.equal(over.status, 400);
    assert.deepEqual(over.json(), { errors: [{ field: 'value', message: 'Message must be at most 100 bytes (UTF-8); it has 101.' }] });
    const huge = await client.postJson('/api/messages', { value: 'x'.repeat(200 * 1024) });
    assert.equal(huge.status, 413);
    assert.equal(huge.json().errors[0].field, 'body');
  } finally {
    await small.stop();
  }
});

test('CSRF exemption is limited to application/json', async () => {
  const client = new Client(app.url);
  // What a cross-site <form enctype="text/plain"> could send: refused, no token.
  const plain = await client.request('POST', '/api/messages', { body: '{"value":"forged"}', headers: { 'content-type': 'text/plain' } });
  assert.equal(plain.status, 403);
  const form = await client.postForm('/api/messages', { value: 'forged' });
  assert.equal(form.status, 403);
  // With a valid token a non-JSON body passes CSRF but the API still only speaks JSON.
  const token = await client.csrfToken();
  const tokenButForm = await client.postForm('/api/messages', { value: 'forged', _csrf: token });
  assert.equal(tokenButForm.status, 415);
});

test('/healthz is always 200 while serving; /readyz reports producer and consumer', async () => {
  const client = new Client(app.url);
  const health = await client.get('/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(health.json(), { status: 'ok' });
  const ready = await client.get('/readyz');
  assert.equal(ready.status, 200);
  const body = ready.json();
  assert.equal(body.status, 'ready');
  assert.equal(body.producer.state, 'connected');
  assert.equal(body.consumer.state, 'running');
  assert.deepEqual(body.consumer.partitions, [0, 1, 2]);
});

test('after stop(), readiness is gone and the port no longer accepts connections', async () => {
  const extra = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: suiteName('api-stop') } });
  await waitFor('extra ready', async () => (await fetch(`${extra.url}/readyz`)).status === 200);
  await extra.stop();
  assert.equal(extra.consumer.status().state, 'stopped');
  assert.equal(extra.producer.status().state, 'stopped');
  await assert.rejects(
    fetch(`${extra.url}/healthz`),
    (err: Error & { cause?: { code?: string } }) => err instanceof TypeError && err.cause?.code === 'ECONNREFUSED',
  );
});

test('concurrent POSTs each get the partition and offset where their own message landed', async () => {
  const client = new Client(app.url);
  const keys = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
  // Sent at once, these share produce requests (coalesced behind the one in flight).
  const replies = await Promise.all(keys.map((key) => client.postJson('/api/messages', { key, value: `v-${key}` })));
  const placed = new Map<string, string>();
  replies.forEach((r, i) => {
    assert.equal(r.status, 201);
    const { partition, offset } = r.json<{ partition: number; offset: string }>();
    placed.set(keys[i]!, `${partition}@${offset}`);
  });
  assert.equal(new Set(placed.values()).size, keys.length, 'no two messages share a partition and offset');
  const consumed = await waitFor('all burst messages consumed', async () => {
    const { messages } = (await client.get('/api/messages')).json<{ messages: ApiMessage[] }>();
    const burst = messages.filter((m) => m.key?.startsWith('burst-'));
    return burst.length === keys.length ? burst : undefined;
  });
  for (const m of consumed) {
    assert.equal(placed.get(m.key!), `${m.partition}@${m.offset}`, `${m.key} was reported where it was consumed`);
    assert.equal(m.value, `v-${m.key}`);
  }
});
