/**
 * The guided tour on Home ticks itself from what really happened: an acknowledged send, a
 * consumed message, the same record read again under another group, a second instance taking
 * partitions, and that instance's partitions moving back when it stops.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';

let broker: SuiteBroker;
let app: RunningApp;
let second: RunningApp | undefined;

const env = { KAFKA_TOPIC: 'tour-topic', KAFKA_GROUP_ID: 'tour-group', KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_HEARTBEAT_INTERVAL_MS: '500' };

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { ...env, INSTANCE_ID: 'tour-a' } });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000);
});

after(async () => {
  await second?.stop();
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

type Step = { id: string; done: boolean; at: string | null; detail: Record<string, string | number> | null };

async function steps(client: Client): Promise<Record<string, Step>> {
  const res = await client.get('/api/tour');
  assert.equal(res.status, 200);
  return Object.fromEntries(res.json<{ steps: Step[] }>().steps.map((s) => [s.id, s]));
}

const done = (s: Record<string, Step>) => Object.values(s).filter((x) => x.done).map((x) => x.id);

test('the tour starts unticked and ticks each step as it really happens', async () => {
  const client = new Client(app.url);
  assert.deepEqual(done(await steps(client)), [], 'nothing seen yet');
  const home = await client.get('/');
  assert.equal((home.text.match(/data-testid="tour-step"/g) ?? []).length, 5);
  assert.match(home.text, /curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/api\/messages/);

  assert.equal((await client.postJson('/api/messages', { key: 'tour-key', value: 'tour message' })).status, 201);
  await waitFor('sent and consumed', async () => JSON.stringify(done(await steps(client))) === JSON.stringify(['sent', 'consumed']));

  assert.equal((await client.postJson('/api/consumer/group', { group: 'tour-replay' })).status, 200);
  const replayed = await waitFor('replayed', async () => (await steps(client)).replayed?.done && (await steps(client)).replayed);
  assert.equal(replayed.detail?.first, 'tour-group');
  assert.equal(replayed.detail?.group, 'tour-replay');

  // A second instance in the group this one now reads in.
  second = await startTestApp(broker.address, { env: { ...env, KAFKA_GROUP_ID: 'tour-replay', INSTANCE_ID: 'tour-b' } });
  const split = await waitFor('split', async () => (await steps(client)).split?.done && (await steps(client)).split, 30_000);
  assert.equal(split.detail?.group, 'tour-replay');
  assert.deepEqual(String(split.detail?.members).split(', ').sort(), ['tour-a', 'tour-b']);
  assert.equal((await steps(client)).moved!.done, false);

  await second.stop();
  second = undefined;
  const moved = await waitFor('moved', async () => (await steps(client)).moved?.done && (await steps(client)).moved, 30_000);
  assert.equal(moved.detail?.gone, 'tour-b');
  assert.equal(moved.detail?.to, 'tour-a');

  const page = await client.get('/');
  assert.equal((page.text.match(/data-done="1"/g) ?? []).length, 5, 'every step ticked on the page');
  assert.match(page.text, /tour-b left group tour-replay; tour-topic:\d(, tour-topic:\d)* now with tour-a\./);
});
