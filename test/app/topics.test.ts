/**
 * The topic browser and the fuller producer against the real stack (embedded broker on a free
 * port): what /topics and /api/topics/:name/messages show is checked against what the test itself
 * produced (partition and offset of every acknowledged send) and against kafkajs admin; reading
 * must never create a consumer group or commit.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { testKafka } from '../helpers/kafka.js';
import { Client, startTestApp, startSuiteBroker, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';

let broker: SuiteBroker;
let app: RunningApp;
let kafka: Kafka;
let admin: Admin;
let raw: Producer;

const TOPIC = 'browse-topic';

interface Browsed {
  partition: number;
  offset: string;
  timestamp: string | null;
  key: string | null;
  keyFormat: string;
  value: string | null;
  valueFormat: string;
  headers: Record<string, string | string[]>;
}
interface Page {
  messages: Browsed[];
  older: string | null;
  newer: string;
  hasNewer: boolean;
  direction: string;
  partitions: Array<{ partition: number; logStartOffset: string; endOffset: string }>;
}

const sent: Array<{ partition: number; offset: string; value: string }> = [];

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: 'browse-group', KAFKA_TOPIC: 'browse-consumed' } });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000);
  kafka = testKafka([broker.address]);
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }], waitForLeaders: true });
  raw = kafka.producer();
  await raw.connect();
  // 30 keyed messages one after another, so timestamps increase with the send order.
  const client = new Client(app.url);
  for (let i = 0; i < 30; i++) {
    // Distinct timestamps (kafkajs stamps Date.now() in this process), so "newest" is unambiguous.
    const stamp = Date.now();
    while (Date.now() === stamp) await new Promise((r) => setImmediate(r));
    const r = await client.postJson('/api/messages', { topic: TOPIC, key: `order-${i % 7}`, value: `message ${i}` });
    assert.equal(r.status, 201);
    const { partition, offset } = r.json<{ partition: number; offset: string }>();
    sent.push({ partition, offset, value: `message ${i}` });
  }
});

after(async () => {
  await raw?.disconnect();
  await admin?.disconnect();
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

const at = (m: { partition: number; offset: string }) => `${m.partition}@${m.offset}`;

async function groups(): Promise<string[]> {
  return (await admin.listGroups()).groups.map((g) => g.groupId).sort();
}

test('GET /api/topics lists each topic with its partitions, log start/end and message count, as the broker reports', async () => {
  const res = await new Client(app.url).get('/api/topics');
  assert.equal(res.status, 200);
  const topic = res.json<{ topics: Array<{ name: string; messages: string; partitions: Array<{ partition: number; logStartOffset: string; endOffset: string }> }> }>().topics.find((t) => t.name === TOPIC);
  assert.ok(topic);
  const truth = await admin.fetchTopicOffsets(TOPIC);
  assert.deepEqual(
    topic.partitions,
    truth.sort((a, b) => a.partition - b.partition).map((p) => ({ partition: p.partition, logStartOffset: p.low, endOffset: p.high })),
  );
  assert.equal(topic.messages, '30');
});

test('newest back: the first page is the newest messages, and paging older visits every message exactly once; no group is joined', async () => {
  const groupsBefore = await groups();
  const client = new Client(app.url);
  const first = (await client.get(`/api/topics/${TOPIC}/messages?limit=7`)).json<Page>();
  assert.equal(first.direction, 'older');
  assert.deepEqual(first.messages.map((m) => m.value), sent.slice(-7).reverse().map((s) => s.value), 'newest first, by timestamp across partitions');
  assert.equal(first.hasNewer, false);
  const seen: string[] = first.messages.map(at);
  let cursor = first.older;
  let pages = 1;
  while (cursor) {
    const page = (await client.get(`/api/topics/${TOPIC}/messages?limit=7&cursor=${cursor}`)).json<Page>();
    seen.push(...page.messages.map(at));
    cursor = page.older;
    assert.ok(++pages < 20, 'paging ends');
  }
  assert.deepEqual(seen, sent.map(at).reverse(), 'every message once, in reverse send order');
  // Newer from the last page comes back up.
  const oldest = (await client.get(`/api/topics/${TOPIC}/messages?from=beginning&limit=5`)).json<Page>();
  assert.deepEqual(oldest.messages.map(at), sent.slice(0, 5).map(at));
  const next = (await client.get(`/api/topics/${TOPIC}/messages?limit=5&cursor=${oldest.newer}`)).json<Page>();
  assert.deepEqual(next.messages.map(at), sent.slice(5, 10).map(at));
  assert.deepEqual(await groups(), groupsBefore, 'reading created no consumer group');
});

test('one partition, from an offset, from a time', async () => {
  const client = new Client(app.url);
  const p = sent[0]!.partition;
  const mine = sent.filter((s) => s.partition === p);
  const onlyP = (await client.get(`/api/topics/${TOPIC}/messages?partition=${p}&from=beginning&limit=500`)).json<Page>();
  assert.deepEqual(onlyP.messages.map(at), mine.map(at));
  const fromOffset = (await client.get(`/api/topics/${TOPIC}/messages?partition=${p}&from=offset:2`)).json<Page>();
  assert.deepEqual(fromOffset.messages.map(at), mine.filter((s) => BigInt(s.offset) >= 2n).map(at));
  // From the timestamp of message 20: messages 20.. (their timestamps are not earlier).
  const all = (await client.get(`/api/topics/${TOPIC}/messages?from=beginning&limit=500`)).json<Page>();
  const m20 = all.messages.find((m) => m.value === 'message 20')!;
  const fromTime = (await client.get(`/api/topics/${TOPIC}/messages?from=time:${encodeURIComponent(m20.timestamp!)}&limit=500`)).json<Page>();
  const expected = all.messages.filter((m) => Date.parse(m.timestamp!) >= Date.parse(m20.timestamp!)).map(at);
  assert.deepEqual(fromTime.messages.map(at), expected);
  assert.ok(fromTime.messages.some((m) => m.value === 'message 29'));
});

test('bad parameters get a 400 naming the parameter; an unknown topic a 404', async () => {
  const client = new Client(app.url);
  const cases: Array<[string, string]> = [
    ['partition=x', 'partition'],
    ['partition=7', 'partition'],
    ['from=yesterday', 'from'],
    ['from=offset:-1', 'from'],
    ['from=time:2024-05-01T12:00:00', 'from'],
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['cursor=older.zz', 'cursor'],
  ];
  for (const [q, field] of cases) {
    const res = await client.get(`/api/topics/${TOPIC}/messages?${q}`);
    assert.equal(res.status, 400, q);
    assert.deepEqual(res.json().errors.map((e: { field: string }) => e.field), [field], q);
  }
  const badName = await client.get(`/api/topics/${encodeURIComponent('no spaces')}/messages`);
  assert.equal(badName.status, 400);
  assert.equal(badName.json().errors[0].field, 'name');
  const unknown = await client.get('/api/topics/does-not-exist/messages');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json(), { error: 'unknown topic', topic: 'does-not-exist' });
  assert.equal((await admin.listTopics()).includes('does-not-exist'), false, 'looking did not create it');
  const page = await client.get('/topics/does-not-exist');
  assert.equal(page.status, 404);
  assert.match(page.text, /There is no topic named does-not-exist\./);
  const zh = await client.get(`/api/topics/${TOPIC}/messages?limit=0`, { 'accept-language': 'zh-TW' });
  assert.equal(zh.json().errors[0].message, '請輸入 1 到 500 的每頁筆數。');
});

test('values: text as is, JSON pretty-printed (numbers untouched), binary as hex; hostile keys, values and headers are escaped', async () => {
  const topic = 'browse-formats';
  await raw.send({
    topic,
    messages: [
      { key: '<script>alert(1)</script>', value: '{"id":12345678901234567890,"tags":["a","b"],"html":"<img src=x onerror=alert(1)>"}', headers: { '<b>h</b>': '"><script>x</script>' }, partition: 0 },
      { key: Buffer.from([0, 1, 2, 255]), value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]), partition: 0 },
      { key: null, value: 'plain & simple', partition: 0 },
    ],
  });
  const client = new Client(app.url);
  const api = (await client.get(`/api/topics/${topic}/messages?from=beginning`)).json<Page>();
  assert.deepEqual(
    api.messages.map((m) => [m.keyFormat, m.key, m.valueFormat, m.value]),
    [
      ['text', '<script>alert(1)</script>', 'json', '{"id":12345678901234567890,"tags":["a","b"],"html":"<img src=x onerror=alert(1)>"}'],
      ['binary', '000102ff', 'binary', 'deadbeef00'],
      ['null', null, 'text', 'plain & simple'],
    ],
  );
  assert.deepEqual(api.messages[0]!.headers, { '<b>h</b>': '"><script>x</script>' });

  const page = await client.get(`/topics/${topic}?from=beginning`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /<script>alert|<img src=x|<b>h<\/b>|"><script>x/, 'no user data as markup');
  const values = [...page.text.matchAll(/data-testid="browse-value">([\s\S]*?)<\/td>/g)].map((m) => unescapeHtml(m[1]!.replace(/<[^>]+>/g, '')).trim());
  assert.equal(values[0], 'JSON{\n  "id": 12345678901234567890,\n  "tags": [\n    "a",\n    "b"\n  ],\n  "html": "<img src=x onerror=alert(1)>"\n}');
  assert.equal(values[1], 'binary (hex)de ad be ef 00');
  assert.equal(values[2], 'plain & simple');
  assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(page.text, /<dt>&lt;b&gt;h&lt;\/b&gt;<\/dt>/);
});

test('the pages: /topics links each topic, /topics/:name shows rows and pager, bad input re-renders with a field error', async () => {
  const client = new Client(app.url);
  const list = await client.get('/topics');
  assert.equal(list.status, 200);
  assert.match(list.text, new RegExp(`href="/topics/${TOPIC}"`));
  const page = await client.get(`/topics/${TOPIC}?limit=10`);
  assert.equal(page.status, 200);
  assert.equal((page.text.match(/data-testid="browse-row"/g) ?? []).length, 10);
  assert.match(page.headers.get('server-timing') ?? '', /kafka;dur=[\d.]+, render;dur=[\d.]+/);
  const older = /href="([^"]+)" data-testid="page-older"/.exec(page.text)?.[1];
  assert.ok(older, 'an Older link');
  const second = await client.get(unescapeHtml(older));
  const offsets = (html: string) => [...html.matchAll(/data-testid="browse-row" data-partition="(\d+)" data-offset="(\d+)"/g)].map((m) => `${m[1]}@${m[2]}`);
  assert.deepEqual(offsets(second.text), sent.slice(10, 20).map(at).reverse());
  const bad = await client.get(`/topics/${TOPIC}?limit=9999&from=offset&offset=abc`);
  assert.equal(bad.status, 400);
  assert.match(bad.text, /data-testid="error-limit">Enter a page size from 1 to 500\./);
  assert.match(bad.text, /data-testid="error-from">Enter an offset: a whole number, 0 or more\./);
});

test('POST /api/messages takes headers and a partition; out of range is a field error; the record carries them', async () => {
  const client = new Client(app.url);
  const ok = await client.postJson('/api/messages', { topic: TOPIC, key: 'k', value: 'with headers', headers: { trace: 'abc-1', '<x>': 'y' }, partition: 2 });
  assert.equal(ok.status, 201);
  const rec = ok.json<{ partition: number; offset: string }>();
  assert.equal(rec.partition, 2);
  const read = (await client.get(`/api/topics/${TOPIC}/messages?partition=2&from=offset:${rec.offset}&limit=1`)).json<Page>();
  assert.deepEqual(read.messages[0]!.headers, { trace: 'abc-1', '<x>': 'y' });
  assert.equal(read.messages[0]!.value, 'with headers');

  const out = await client.postJson('/api/messages', { topic: TOPIC, value: 'x', partition: 3 });
  assert.equal(out.status, 400);
  assert.deepEqual(out.json(), { errors: [{ field: 'partition', message: `Topic ${TOPIC} has partitions 0 to 2.` }] });
  const badHeaders = await client.postJson('/api/messages', { topic: TOPIC, value: 'x', headers: { a: 1 } });
  assert.deepEqual(badHeaders.json().errors.map((e: { field: string }) => e.field), ['headers']);
  const noName = await client.postJson('/api/messages', { topic: TOPIC, value: 'x', headers: { '': 'v' } });
  assert.deepEqual(noName.json().errors, [{ field: 'headers', message: 'A header needs a name.' }]);
  const tooMany = await client.postJson('/api/messages', { topic: TOPIC, value: 'x', count: 10_001 });
  assert.deepEqual(tooMany.json().errors.map((e: { field: string }) => e.field), ['count']);
  const newTopic = await client.postJson('/api/messages', { topic: 'not-yet-there', value: 'x', partition: 0 });
  assert.equal(newTopic.status, 400);
  assert.equal(newTopic.json().errors[0].field, 'partition');
});

test('a burst sends N messages with keys prefix-i and reports how many went to each partition', async () => {
  const topic = 'burst-topic';
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const client = new Client(app.url);
  const res = await client.postJson('/api/messages', { topic, key: 'job', value: 'work item', count: 300, keyMode: 'prefix' });
  assert.equal(res.status, 201);
  const body = res.json<{ sent: number; failed: number; partitions: Array<{ partition: number; count: number }> }>();
  assert.equal(body.sent, 300);
  assert.equal(body.failed, 0);
  const ends = await admin.fetchTopicOffsets(topic);
  assert.deepEqual(
    body.partitions,
    ends.filter((p) => p.high !== '0').sort((a, b) => a.partition - b.partition).map((p) => ({ partition: p.partition, count: Number(p.high) })),
  );
  const all = (await client.get(`/api/topics/${topic}/messages?from=beginning&limit=500`)).json<Page>();
  assert.deepEqual(all.messages.map((m) => m.key).sort(), Array.from({ length: 300 }, (_, i) => `job-${i + 1}`).sort());

  // The form: same burst with random keys, the flash names the split.
  const token = await client.csrfToken();
  const posted = await client.postForm('/produce', { _csrf: token, topic, key: '', message: 'random keys', count: '30', keyMode: 'random', partition: '' });
  assert.equal(posted.status, 303);
  const flash = await client.flashText('/produce');
  assert.equal(flash?.kind, 'success');
  assert.match(flash!.text, /^Sent 30 message\(s\) to burst-topic: (partition \d: \d+(, )?)+\./);
  const counts = [...flash!.text.matchAll(/partition \d: (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  assert.equal(counts, 30);
});

test('the form takes header rows and a partition, keeps them on a field error, and "produce again" pre-fills it', async () => {
  const client = new Client(app.url);
  let token = await client.csrfToken();
  const bad = await client.request('POST', '/produce', {
    body: new URLSearchParams([['_csrf', token], ['topic', TOPIC], ['key', 'kk'], ['message', 'm'], ['partition', '9'], ['headerName', 'a'], ['headerValue', '1'], ['headerName', ''], ['headerValue', '']]).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /data-testid="error-partition">Topic browse-topic has partitions 0 to 2\./);
  assert.match(bad.text, /name="headerName" id="header-name-0" value="a"/);
  assert.match(bad.text, /name="headerValue" id="header-value-0" value="1"/);

  token = await client.csrfToken();
  const posted = await client.request('POST', '/produce', {
    body: new URLSearchParams([['_csrf', token], ['topic', TOPIC], ['key', 'form-key'], ['message', 'from the form'], ['partition', '1'], ['headerName', 'source'], ['headerValue', 'form'], ['headerName', 'n'], ['headerValue', '2']]).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(posted.status, 303);
  const flash = await client.flashText('/produce');
  const [, offset] = /partition 1, offset (\d+)/.exec(flash!.text) ?? [];
  assert.ok(offset, flash?.text);
  const again = await client.get(`/produce?topic=${TOPIC}&again=1-${offset}`);
  assert.match(again.text, /data-testid="again-note">Pre-filled from browse-topic, partition 1, offset \d+\./);
  assert.match(again.text, /id="key" name="key" value="form-key"/);
  assert.match(again.text, />from the form<\/textarea>/);
  assert.match(again.text, /id="partition" name="partition" value="1"/);
  assert.match(again.text, /id="header-name-0" value="source"/);
  assert.match(again.text, /id="header-value-1" value="2"/);
});

test('the Consume page shows each message\'s headers and Kafka timestamp beside the received time', async () => {
  const client = new Client(app.url);
  const r = await client.postJson('/api/messages', { topic: 'browse-consumed', key: 'c1', value: 'consumed with headers', headers: { 'x-trace': '<t1>' } });
  assert.equal(r.status, 201);
  const msg = await waitFor('consumed', async () => (await client.get('/api/messages')).json().messages.find((m: { value: string }) => m.value === 'consumed with headers'));
  assert.deepEqual(msg.headers, { 'x-trace': '<t1>' });
  assert.ok(Math.abs(Date.parse(msg.timestamp) - Date.parse(msg.receivedAt)) < 60_000, 'a real Kafka timestamp');
  const page = await client.get('/consume');
  const row = page.text.split('data-testid="message-row"').find((x) => x.includes('consumed with headers'))!;
  assert.match(row, /<dt>x-trace<\/dt><dd class="mb-0">&lt;t1&gt;<\/dd>/);
  assert.match(row, new RegExp(`data-testid="message-timestamp">Kafka timestamp: <time datetime="${msg.timestamp}">`));
});

test('reads are bounded in bytes: big records come a few per page, newest first, and paging still visits each once', async () => {
  const topic = 'browse-big';
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const big = (i: number) => `${i}:`.padEnd(400 * 1024, 'x');
  // One record per batch, so the broker can return them one by one.
  for (let i = 0; i < 6; i++) await raw.send({ topic, messages: [{ value: big(i) }] });
  const client = new Client(app.url);
  const first = (await client.get(`/api/topics/${topic}/messages?limit=100`)).json<Page & { truncated: boolean; bytesRead: number }>();
  assert.ok(first.messages.length >= 1 && first.messages.length < 6, `a few per page (${first.messages.length})`);
  assert.equal(first.truncated, true);
  assert.ok(first.bytesRead <= 2 * 1024 * 1024, `bytes read ${first.bytesRead}`);
  assert.deepEqual(first.messages.map((m) => m.offset), Array.from({ length: first.messages.length }, (_, i) => String(5 - i)), 'the newest, contiguous');
  const seen = first.messages.map((m) => m.offset);
  let cursor = first.older;
  for (let pages = 0; cursor && pages < 10; pages++) {
    const page = (await client.get(`/api/topics/${topic}/messages?limit=100&cursor=${cursor}`)).json<Page>();
    assert.ok(page.messages.length >= 1, 'every page progresses');
    seen.push(...page.messages.map((m) => m.offset));
    cursor = page.older;
  }
  assert.deepEqual(seen, ['5', '4', '3', '2', '1', '0']);
  const values = (await client.get(`/api/topics/${topic}/messages?from=beginning&limit=2`)).json<Page>();
  assert.equal(values.messages[0]!.value, big(0), 'the API returns values whole');
});
