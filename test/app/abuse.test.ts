/**
 * Hostile input at the HTTP edge: keys above messages.maxKeyBytes get a field error (the API a
 * 400 naming `key`, the form a re-render), record headers are capped in the producer service,
 * oversized bodies get 413, and POSTs beyond the rate limit get 429 with Retry-After while the
 * probes and /metrics are never limited. Before, a 256 KiB key froze the instance for seconds
 * (kafkajs's quadratic murmur2) and 1,000 POSTs in a few seconds all went through.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { HEADER_LIMITS } from '../../src/kafka/producer-service.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';
import { murmur2Partition } from '../compat/helpers.js';

let broker: SuiteBroker;
let app: RunningApp;
let limited: RunningApp;
const LIMIT = 5;

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { KAFKA_TOPIC: 'abuse-topic', KAFKA_GROUP_ID: 'abuse-group', MESSAGES_MAX_KEY_BYTES: '4096' } });
  limited = await startTestApp(broker.address, {
    env: { KAFKA_TOPIC: 'limited-topic', KAFKA_GROUP_ID: 'limited-group', RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_WINDOW_MS: '600000' },
  });
  await waitFor('apps ready', async () => (await fetch(`${app.url}/readyz`)).status === 200 && (await fetch(`${limited.url}/readyz`)).status === 200, 30_000);
});

after(async () => {
  await Promise.all([app?.stop(), limited?.stop()]);
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

test('a key over messages.maxKeyBytes is refused with a field error; one at the limit is sent where murmur2 says', async () => {
  const client = new Client(app.url);
  for (const bytes of [4097, 256 * 1024, 1024 * 1024]) {
    const res = await client.postJson('/api/messages', { key: 'k'.repeat(bytes), value: 'v' });
    assert.equal(res.status, 400, `${bytes}-byte key`);
    const { errors } = res.json<{ errors: Array<{ field: string; message: string }> }>();
    assert.deepEqual(errors.map((e) => e.field), ['key']);
    assert.equal(errors[0]!.message, `Key must be at most 4096 bytes (UTF-8); it has ${bytes}.`);
  }
  const form = await client.sendForm({ topic: 'abuse-topic', key: '鍵'.repeat(1366), message: 'typed' });
  assert.equal(form.status, 400);
  assert.match(form.text, /data-testid="error-key">Key must be at most 4096 bytes \(UTF-8\); it has 4098\.</);
  assert.ok(form.text.includes('>typed</textarea>'), 'the message is kept in the re-rendered form');

  const key = 'k'.repeat(4096);
  const sent = await client.postJson('/api/messages', { key, value: 'longest key' });
  assert.equal(sent.status, 201);
  assert.equal(sent.json<{ partition: number }>().partition, murmur2Partition('abuse-topic', key));
  await waitFor('the longest key consumed', () => app.store.newestFirst().some((m) => m.key === key && m.value === 'longest key'));
  // The page cuts long keys like long values.
  const page = (await client.get('/consume')).text;
  assert.ok(page.includes(`${'k'.repeat(2000)}<span class="text-body-secondary">… (4096 bytes in total`));
  assert.ok(!page.includes('k'.repeat(2001)));
});

test('record headers are capped in the producer service, whoever calls it', async () => {
  const send = (headers: Record<string, string>) => app.producer.send({ topic: 'abuse-topic', key: 'h', value: 'v', headers });
  const many = Object.fromEntries(Array.from({ length: HEADER_LIMITS.count + 1 }, (_, i) => [`h${i}`, 'x']));
  for (const [headers, why] of [
    [many, /more than 32 headers/],
    [{ ['n'.repeat(HEADER_LIMITS.nameBytes + 1)]: 'x' }, /header name is longer than 256 bytes/],
    [{ big: 'v'.repeat(HEADER_LIMITS.valueBytes + 1) }, /header big is longer than 4096 bytes/],
  ] as const) {
    const r = await send(headers);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.kind, 'too_large');
      assert.match(r.error.message, why);
    }
  }
  const ok = await send({ ['n'.repeat(HEADER_LIMITS.nameBytes)]: 'v'.repeat(HEADER_LIMITS.valueBytes) });
  assert.equal(ok.ok, true);
});

test('a body over the limit is cut off with 413 before it is parsed', async () => {
  const client = new Client(app.url);
  // 2 × (value cap + key cap) + 64 KiB is the JSON limit; send clearly more.
  const res = await client.request('POST', '/api/messages', {
    body: JSON.stringify({ value: 'v'.repeat(3 * 1024 * 1024) }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 413);
  assert.equal(res.json<{ errors: Array<{ field: string }> }>().errors[0]!.field, 'body');
});

test('POSTs beyond the rate limit get 429 with Retry-After; pages, probes and /metrics are not limited', async () => {
  const client = new Client(limited.url);
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT; i++) statuses.push((await client.postJson('/api/messages', { value: `within ${i}` })).status);
  assert.deepEqual(statuses, Array(LIMIT).fill(201));

  const refused = await client.postJson('/api/messages', { value: 'one too many' });
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 600, `Retry-After: ${refused.headers.get('retry-after')}`);
  assert.equal(refused.json<{ error: string }>().error, 'rate_limited');

  // The form is limited too (same address, same budget), with a page rather than JSON.
  const form = await client.sendForm({ topic: 'limited-topic', message: 'also too many' });
  assert.equal(form.status, 429);
  assert.ok(form.headers.get('retry-after'));
  assert.match(form.text, /Too many requests/);
  // Other POST routes share the budget.
  assert.equal((await client.postJson('/api/consumer/resume', {})).status, 429);

  for (let i = 0; i < 3 * LIMIT; i++) {
    for (const path of ['/healthz', '/readyz', '/metrics', '/consume']) {
      assert.equal((await client.get(path)).status, 200, `GET ${path} #${i}`);
    }
  }
  assert.equal(limited.store.newestFirst().some((m) => m.value === 'one too many'), false);
});
