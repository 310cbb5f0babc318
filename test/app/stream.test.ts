/**
 * The live stream behind the Consume page: GET /api/messages/stream (Server-Sent Events).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';
import { suiteName } from '../helpers/suite-kafka.js';
import { toMessageRow } from '../../src/web/message-row.js';
import { translator } from '../../src/i18n/index.js';

const GROUP = suiteName('stream-group');
const TOPIC = suiteName('stream-topic');
const REPLAY_GROUP = suiteName('stream-replay');

let broker: SuiteBroker;
let app: RunningApp;

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, {
    env: { KAFKA_GROUP_ID: GROUP, KAFKA_TOPIC: TOPIC },
    start: { streams: { heartbeatMs: 300, maxClients: 2 } },
  });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200);
});

after(async () => {
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

interface Sse {
  status: number;
  headers: Headers;
  /** Raw text received so far. */
  text(): string;
  events(): Array<{ event: string; data: string }>;
  close(): void;
}

/** Opens the stream like EventSource would and keeps reading in the background. */
async function open(path = '/api/messages/stream', base = app.url, headers: Record<string, string> = {}): Promise<Sse> {
  const ac = new AbortController();
  const res = await fetch(`${base}${path}`, { signal: ac.signal, headers: { accept: 'text/event-stream', ...headers } });
  let raw = '';
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          raw += value;
        }
      } catch {
        // aborted by close()
      }
    })();
  } else {
    raw = await res.text();
  }
  return {
    status: res.status,
    headers: res.headers,
    text: () => raw,
    events: () =>
      raw
        .split('\n\n')
        .filter((block) => block.includes('data:'))
        .map((block) => ({
          event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message',
          data: block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n'),
        })),
    close: () => ac.abort(),
  };
}

test('a newly consumed message arrives as one `message` event with the same JSON as the API', async () => {
  const stream = await open();
  try {
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(stream.headers.get('cache-control'), 'no-store');
    await waitFor('retry hint', () => stream.text().startsWith('retry: 3000\n\n'));

    const client = new Client(app.url);
    assert.equal((await client.postJson('/api/messages', { key: 'live-key', value: 'live <b>value</b>' })).status, 201);
    const event = await waitFor('message event', () => stream.events().find((e) => e.event === 'message'));
    const pushed = JSON.parse(event.data) as { instance: string; group: string };
    const { messages } = (await client.get('/api/messages')).json<{ messages: unknown[] }>();
    assert.deepEqual(pushed, messages.find((m) => (m as { value: string }).value === 'live <b>value</b>'));
    assert.equal(pushed.instance, app.instanceId);
    assert.equal(pushed.group, GROUP);
    // A second message as a marker: once its event is in, a duplicate of the first would be too.
    assert.equal((await client.postJson('/api/messages', { key: 'live-key', value: 'marker' })).status, 201);
    const events = await waitFor('marker event', () => {
      const all = stream.events().filter((e) => e.event === 'message');
      return all.some((e) => JSON.parse(e.data).value === 'marker') ? all : undefined;
    });
    assert.deepEqual(events.map((e) => JSON.parse(e.data).value), ['live <b>value</b>', 'marker'], 'one event per message');
  } finally {
    stream.close();
  }
});

test('with ?rows=1 each message comes as a `row` event: the view model the Consume page renders, in the caller\'s language', async () => {
  await waitFor('earlier streams gone', () => app.streams.size === 0);
  const stream = await open('/api/messages/stream?rows=1');
  const zh = await open('/api/messages/stream?rows=1', app.url, { 'accept-language': 'zh-TW' });
  try {
    await waitFor('connected', () => stream.text().startsWith('retry: 3000\n\n') && zh.text().startsWith('retry: 3000\n\n'));
    const client = new Client(app.url);
    // A key past the page's cut, so the row carries a translated note.
    const key = 'k'.repeat(2100);
    assert.equal((await client.postJson('/api/messages', { key, value: 'as a <row>', headers: { 'x-h': '<h>' } })).status, 201);
    const row = (s: Sse) => waitFor('row event', () => s.events().find((e) => e.event === 'row' && JSON.parse(e.data).value === 'as a <row>'));
    const [en, tw] = [await row(stream), await row(zh)];
    assert.ok(!stream.events().some((e) => e.event === 'message'), 'rows instead of messages, not beside them');
    const stored = app.store.newestFirst().find((m) => m.value === 'as a <row>')!;
    assert.deepEqual(JSON.parse(en.data), toMessageRow(stored, translator('en')));
    assert.deepEqual(JSON.parse(tw.data), toMessageRow(stored, translator('zh-TW')));
    assert.notEqual(JSON.parse(en.data).keyNote, JSON.parse(tw.data).keyNote);
  } finally {
    stream.close();
    zh.close();
  }
  // Two of the file's two slots: free them for the tests after this one.
  await waitFor('both streams closed', () => app.streams.size === 0);
});

test('heartbeat comments keep the stream alive', async () => {
  const stream = await open();
  try {
    await waitFor('two heartbeats', () => stream.text().split(': heartbeat\n\n').length >= 3, 5000);
  } finally {
    stream.close();
  }
});

test('concurrent streams are capped, and a closed stream frees its slot and its listeners', async () => {
  await waitFor('earlier streams gone', () => app.streams.size === 0);
  const baseline = app.store.listenerCount('message');
  const resetBaseline = app.store.listenerCount('reset');
  const one = await open();
  const two = await open();
  try {
    assert.equal(app.streams.size, 2);
    assert.equal(app.store.listenerCount('message'), baseline + 2);
    const third = await open();
    assert.equal(third.status, 503);
    assert.equal(third.headers.get('retry-after'), '10');
    assert.deepEqual(JSON.parse(third.text()), { error: 'too many live streams', limit: 2 });
  } finally {
    one.close();
  }
  await waitFor('slot and listeners freed', () => {
    assert.equal(app.streams.size, 1);
    assert.equal(app.store.listenerCount('message'), baseline + 1);
    assert.equal(app.store.listenerCount('reset'), resetBaseline + 1);
    return true;
  });
  const again = await open();
  assert.equal(again.status, 200);
  again.close();
  two.close();
  await waitFor('all closed', () => {
    assert.equal(app.streams.size, 0);
    assert.equal(app.store.listenerCount('message'), baseline);
    assert.equal(app.store.listenerCount('reset'), resetBaseline);
    return true;
  });
});

test('switching the group sends `reset` (the list is emptied), then the replayed messages', async (t) => {
  // Its own app and topic: switching the group changes the app for every later test, and the
  // replay needs a message of its own to replay.
  const own = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: suiteName('stream-switch'), KAFKA_TOPIC: suiteName('stream-switch-topic') } });
  t.after(() => own.stop());
  await waitFor('own app ready', async () => (await fetch(`${own.url}/readyz`)).status === 200);
  assert.equal((await new Client(own.url).postJson('/api/messages', { value: 'to be replayed' })).status, 201);
  await waitFor('consumed once', () => own.store.newestFirst().some((m) => m.value === 'to be replayed'));
  const stream = await open('/api/messages/stream', own.url);
  try {
    await waitFor('connected', () => stream.text().length > 0);
    const res = await new Client(own.url).postJson('/api/consumer/group', { group: REPLAY_GROUP });
    assert.equal(res.status, 200);
    assert.equal(res.json<{ instance: { groupId: string } }>().instance.groupId, REPLAY_GROUP);
    await waitFor('reset then replay', () => {
      const events = stream.events();
      const reset = events.findIndex((e) => e.event === 'reset');
      return reset >= 0 && events.slice(reset + 1).some((e) => e.event === 'message' && JSON.parse(e.data).group === REPLAY_GROUP && JSON.parse(e.data).value === 'to be replayed');
    });
  } finally {
    stream.close();
  }
});

test('on shutdown the open streams are ended, so stop() is not held up', async () => {
  const own = await startTestApp(broker.address, { env: { KAFKA_GROUP_ID: suiteName('stream-stop'), KAFKA_TOPIC: TOPIC } });
  const ac = new AbortController();
  const res = await fetch(`${own.url}/api/messages/stream`, { signal: ac.signal });
  const reader = res.body!.getReader();
  await reader.read();
  const ended = (async () => {
    for (;;) if ((await reader.read()).done) return true;
  })();
  await own.stop();
  assert.equal(await ended, true, 'the server ended the stream');
});
