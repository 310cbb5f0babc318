import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { readTopic, testKafka } from '../helpers/kafka.js';
import { Client, consumeValues, startTestApp, startSuiteBroker, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';
import { suiteName } from '../helpers/suite-kafka.js';

const GROUP = suiteName('pages-group');
let broker: SuiteBroker;
let app: RunningApp;

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: GROUP } });
  await waitFor('consumer running', () => app.consumer.status().state === 'running');
});

after(async () => {
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

test('a form post with the CSRF token redirects with a flash and shows up on the Consume page', async () => {
  const client = new Client(app.url);
  const posted = await client.sendForm({ topic: 'test-topic', key: 'order-1', message: 'hello from the form' });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), '/produce');

  const landing = await client.get('/produce');
  const flash = /data-testid="flash">([\s\S]*?)<\/div>/.exec(landing.text)?.[1] ?? '';
  assert.match(flash, /Sent to test-topic, partition [0-2], offset \d+\./);
  assert.match(landing.text, /href="\/consume"/);

  // The flash is one-time: the next view no longer has it.
  const again = await client.get('/produce');
  assert.doesNotMatch(again.text, /data-testid="flash"/);

  const page = await waitFor('message on the Consume page', async () => {
    const res = await client.get('/consume');
    return consumeValues(res.text).includes('hello from the form') ? res.text : undefined;
  });
  assert.match(page, /<td class="text-break">order-1<\/td>/);
  const [partition, offset] = /partition (\d+), offset (\d+)/.exec(flash)!.slice(1);
  const row = page.split('data-testid="message-row"').find((r) => r.includes('hello from the form'))!;
  assert.match(row, new RegExp(`<td class="text-end">${partition}</td>`));
  assert.match(row, new RegExp(`<td class="text-end">${offset}</td>`));
});

test('an empty key becomes a UUID', async () => {
  const client = new Client(app.url);
  await client.sendForm({ message: 'keyless' });
  const stored = await waitFor('keyless stored', () => app.store.newestFirst().find((m) => m.value === 'keyless'));
  assert.match(stored.key ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('every invalid input re-renders the form with its field error (400) and keeps the values', async () => {
  const client = new Client(app.url);
  const cases: Array<{ fields: Record<string, string>; field: string; error: string }> = [
    { fields: { topic: '', key: 'k1', message: 'm1' }, field: 'topic', error: 'Topic is required.' },
    { fields: { topic: 'bad topic!', key: 'k2', message: 'm2' }, field: 'topic', error: 'Topic may only contain letters, digits, ".", "_" and "-".' },
    { fields: { topic: 'x'.repeat(250), key: 'k3', message: 'm3' }, field: 'topic', error: 'Topic must be at most 249 characters.' },
    { fields: { topic: '..', key: 'k4', message: 'm4' }, field: 'topic', error: 'Topic cannot be "." or "..".' },
    { fields: { topic: 'test-topic', key: 'k5', message: '' }, field: 'message', error: 'Message is required.' },
    { fields: { topic: 'test-topic', key: 'k6', message: '  \n ' }, field: 'message', error: 'Message is required.' },
  ];
  for (const c of cases) {
    const token = await client.csrfToken();
    const res = await client.postForm('/produce', { ...c.fields, _csrf: token });
    assert.equal(res.status, 400, `${c.field}: ${JSON.stringify(c.fields).slice(0, 80)}`);
    const shown = /data-testid="error-(\w+)">([^<]*)</.exec(res.text);
    assert.deepEqual([shown?.[1], unescapeHtml(shown?.[2] ?? '')], [c.field, c.error]);
    assert.ok(res.text.includes(`value="${c.fields.key}"`), 'key kept');
    if (c.fields.topic) assert.ok(res.text.includes(`value="${c.fields.topic.replace('!', '!')}"`), 'topic kept');
    assert.ok(res.text.includes(`>${c.fields.message}</textarea>`), 'message kept');
    assert.match(res.text, /name="_csrf" value="[^"]+"/, 'the re-rendered form carries a token');
  }
});

test('a message over messages.maxBytes is refused with the byte count', async () => {
  const small = await startTestApp(broker.address, { env: { MESSAGES_MAX_BYTES: '16', KAFKA_GROUP_ID: suiteName('small-group') } });
  try {
    const client = new Client(small.url);
    const res = await client.sendForm({ message: '訊息訊息訊息' }); // 6 characters, 18 bytes
    assert.equal(res.status, 400);
    assert.match(res.text, /Message must be at most 16 bytes \(UTF-8\); it has 18\./);
    assert.ok(res.text.includes('>訊息訊息訊息</textarea>'));
  } finally {
    await small.stop();
  }
});

test('a POST without a valid CSRF token is refused with 403', async () => {
  const client = new Client(app.url);
  await client.get('/produce');
  const none = await client.postForm('/produce', { topic: 'test-topic', message: 'forged' });
  assert.equal(none.status, 403);
  assert.match(none.text, /Request refused/);

  const wrong = await client.postForm('/produce', { topic: 'test-topic', message: 'forged', _csrf: 'abc.def' });
  assert.equal(wrong.status, 403);

  // A token from another browser (other session cookie) is not accepted either.
  const other = new Client(app.url);
  const foreignToken = await other.csrfToken();
  const crossed = await client.postForm('/produce', { topic: 'test-topic', message: 'forged', _csrf: foreignToken });
  assert.equal(crossed.status, 403);

  // A genuine post after the forged ones: once it is in the log, anything the forged posts had
  // sent (through the same producer, earlier) would be too. The test reads the whole topic.
  const genuine = await client.sendForm({ topic: 'test-topic', message: 'genuine after forged' });
  assert.equal(genuine.status, 303);
  const contents = await readTopic(testKafka([broker.address]), 'test-topic');
  const values = [...contents.partitions.values()].flat().map((m) => m.value);
  assert.ok(values.includes('genuine after forged'), 'the genuine message is in the log');
  assert.ok(!values.includes('forged'), 'nothing forged was produced');
});

test('HTML in messages is shown as text, never as markup', async () => {
  const client = new Client(app.url);
  const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
  await client.sendForm({ key: '<b>k</b>', message: evil });
  const page = await waitFor('evil message consumed', async () => {
    const res = await client.get('/consume');
    return consumeValues(res.text).includes(evil) ? res.text : undefined;
  });
  assert.ok(!page.includes('<script>alert(1)'), 'raw script tag must not appear');
  assert.ok(!page.includes('<img src=x'), 'raw img tag must not appear');
  assert.ok(page.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(page.includes('&lt;b&gt;k&lt;/b&gt;'));
});

test('home shows broker, topic, group, instance and consumer state; security headers are set', async () => {
  const client = new Client(app.url);
  const res = await client.get('/');
  assert.equal(res.status, 200);
  assert.match(res.text, /data-testid="broker-mode">External Kafka cluster</);
  assert.ok(res.text.includes(broker.address));
  assert.ok(res.text.includes(GROUP));
  assert.ok(res.text.includes(app.instanceId));
  assert.match(res.text, /data-testid="consumer-state">\s*<span class="badge text-bg-success" data-state="running">/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.doesNotMatch(res.text, /<script>/, 'no inline scripts');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

  const css = await client.get('/vendor/bootstrap/css/bootstrap.min.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type') ?? '', /text\/css/);
});

test('Consume page: empty state, the retention note and a refresh button', async () => {
  const fresh = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: suiteName('empty-group'), KAFKA_TOPIC: suiteName('nobody-writes-here'), MESSAGES_CAPACITY: '5' } });
  try {
    const res = await new Client(fresh.url).get('/consume');
    assert.equal(res.status, 200);
    assert.match(res.text, /data-testid="empty"/);
    assert.match(res.text, /Only the last 5 messages are kept/);
    assert.match(res.text, /data-testid="refresh"/);
  } finally {
    await fresh.stop();
  }
});

test('UI language follows Accept-Language, and the navbar switch overrides it with a cookie', async () => {
  const zh = new Client(app.url, { 'accept-language': 'zh-TW,zh;q=0.9,en;q=0.5' });
  const page = await zh.get('/produce');
  assert.match(page.text, /<html lang="zh-TW">/);
  assert.ok(page.text.includes('發送訊息'));

  const switched = await zh.get('/lang/en?next=/produce');
  assert.equal(switched.status, 303);
  assert.equal(switched.headers.get('location'), '/produce');
  const english = await zh.get('/produce');
  assert.match(english.text, /<html lang="en">/);
  assert.ok(english.text.includes('Produce a message'));

  const offsite = await zh.get('/lang/zh-TW?next=//evil.example');
  assert.equal(offsite.headers.get('location'), '/');
  const flash = await zh.sendForm({ message: '你好' });
  assert.equal(flash.status, 303);
  const landing = await zh.get('/produce');
  assert.match(landing.text, /已送到 test-topic，分區 \d，位移 \d+。/);
});

test('unknown pages get the 404 page; API 404s are JSON', async () => {
  const client = new Client(app.url);
  const res = await client.get('/no/such/page');
  assert.equal(res.status, 404);
  assert.match(res.text, /Page not found/);
  assert.ok(res.text.includes('/no/such/page'));
  const api = await client.get('/api/nothing');
  assert.equal(api.status, 404);
  assert.deepEqual(api.json(), { error: 'not found' });
});
