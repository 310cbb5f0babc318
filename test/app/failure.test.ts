/**
 * The failure switch: `stall` gets a member expelled and its uncommitted message handed to
 * another member; `no-commit-crash` never commits and exits, in-process (exit recorded) and as
 * the real entry point in a child process. Short session timeouts keep this quick; the broker
 * here allows them (minSessionTimeoutMs 1000), as the app's own embedded broker does.
 * With TEST_KAFKA=apache the same flows run on Apache Kafka, whose group.min.session.timeout.ms
 * (6 s) refuses a 2 s session: there the session is Kafka's minimum and the stall outlasts it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { CRASH_LOG_MESSAGE } from '../../src/kafka/failure-switch.js';
import { Client, startTestApp, startSuiteBroker, tempDir, unescapeHtml, waitFor, type SuiteBroker } from './harness.js';
import { createTopicsAndWait, onApacheKafka, suiteName } from '../helpers/suite-kafka.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.ts');
const TSX = import.meta.resolve('tsx');
const SESSION_MS = onApacheKafka ? 6000 : 2000;
const FAST = { KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS), KAFKA_HEARTBEAT_INTERVAL_MS: onApacheKafka ? '1000' : '300' };
/** Outlasts the takeover (session timeout, a rebalance, B's fetch) with room to spare on a loaded machine. */
const STALL_MS = SESSION_MS + 6000;

let broker: SuiteBroker;
let admin: Admin;
let producer: Producer;
const running: RunningApp[] = [];
const dirs: string[] = [];

before(async () => {
  broker = await startSuiteBroker(onApacheKafka ? {} : { minSessionTimeoutMs: 1000 });
  const kafka = new Kafka({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

after(async () => {
  await Promise.all(running.map((a) => a.stop()));
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(env: Record<string, string>, exit?: (code: number) => void): Promise<RunningApp> {
  const app = await startTestApp(broker.address, { env: { ...FAST, ...env }, start: { exit } });
  running.push(app);
  return app;
}

async function members(groupId: string) {
  const { groups } = await admin.describeGroups([groupId]);
  return groups[0]!;
}

async function committed(groupId: string, topic: string): Promise<string[]> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return t!.partitions.sort((x, y) => x.partition - y.partition).map((p) => p.offset);
}

const banner = (html: string) => {
  const m = /data-testid="failure-banner" data-mode="([\w-]+)">([\s\S]*?)<\/div>/.exec(html);
  return m ? { mode: m[1]!, text: unescapeHtml(m[2]!.replace(/\s+/g, ' ').trim()) } : undefined;
};

test('stall: the stalled member is expelled, its message goes to the other member, and it rejoins when the stall ends', async () => {
  const topic = suiteName('stall-topic');
  const group = suiteName('stall-group');
  await createTopicsAndWait(admin, [{ topic, numPartitions: 3 }]);
  const env = { KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group };
  const a = await start({ ...env, INSTANCE_ID: 'stall-a' });
  const b = await start({ ...env, INSTANCE_ID: 'stall-b' });
  await waitFor('both members in the group', async () => {
    const g = await members(group);
    return g.state === 'Stable' && g.members.length === 2 && a.consumer.status().partitions.length > 0 && b.consumer.status().partitions.length > 0;
  });

  // Arm A from its page, like a user would.
  const client = new Client(a.url);
  const bad = await client.clusterForm('/cluster/failure', { mode: 'stall', afterMessages: '0', stallMs: '' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /data-testid="error-failure-afterMessages">Enter a whole number from 1 to 1000000\.</);
  // The stall must outlast the takeover (STALL_MS); the test checks that A was still stalling then.
  const armed = await client.clusterForm('/cluster/failure', { mode: 'stall', afterMessages: '1', stallMs: String(STALL_MS) });
  assert.equal(armed.status, 303);
  assert.equal((await client.flashText())?.text, 'Failure switch set to stall; it acts on message 1 from now.');
  assert.deepEqual(banner((await client.get('/consume')).text), {
    mode: 'stall',
    text: `Failure switch "stall": 1 more message(s), then the message handler blocks for ${STALL_MS} ms.`,
  });

  const target = a.consumer.status().partitions[0]!;
  // Whether A was still stalling is read the moment B stores the message, not some time later.
  let aStallingWhenTakenOver: boolean | undefined;
  b.store.on('message', (m: { value: string | null }) => {
    if (m.value === 'stall-me' && aStallingWhenTakenOver === undefined) aStallingWhenTakenOver = Boolean(a.failure.status().stalling);
  });
  const [sent] = await producer.send({ topic, messages: [{ partition: target, key: 'stall', value: 'stall-me' }] });
  await waitFor('A stalling', () => a.failure.status().stalling);
  const stallingPage = banner((await client.get('/')).text);
  assert.equal(stallingPage?.mode, 'stalling');
  assert.match(stallingPage!.text, /^This instance is stalling: its message handler has been blocked since /);

  // No heartbeats from A: after the session timeout only B is left, owning every partition.
  const alone = await waitFor('A expelled', async () => {
    const g = await members(group);
    return g.state === 'Stable' && g.members.length === 1 ? g : undefined;
  }, SESSION_MS + 13_000);
  assert.equal(alone.members[0]!.clientId, 'kafka-web-demo-stall-b');
  await waitFor('B owns all partitions', () => b.consumer.status().partitions.length === 3);
  const takenOver = await waitFor('B got the stalled message', () => b.store.newestFirst().find((m) => m.value === 'stall-me'));
  assert.equal(takenOver.instance, 'stall-b');
  assert.equal(takenOver.partition, target);
  assert.equal(takenOver.offset, sent!.baseOffset);
  assert.equal(aStallingWhenTakenOver, true, 'A was still stalling when B took over');

  // The stall ends after STALL_MS; A's late commit is refused, and A rejoins the group. A finished
  // handling the stalled message after losing the partition: stored (at-least-once: both
  // instances show it), but its commit was refused because A was no longer a member. All of it
  // is waited for together: the refusal and the rejoin come back in no fixed order.
  const status = await waitFor('A stored the message, its commit was refused, and it rejoined', async () => {
    const g = await members(group);
    assert.equal(g.state, 'Stable');
    assert.equal(g.members.length, 2);
    assert.equal(a.consumer.status().state, 'running');
    assert.equal(a.store.newestFirst().find((m) => m.value === 'stall-me')?.instance, 'stall-a');
    assert.ok(a.consumer.status().commitFailures >= 1, 'the late commit failed');
    return a.failure.status();
  }, STALL_MS + 17_000);
  assert.equal(status.mode, 'none', 'the switch acts once');
  assert.equal(status.lastStall?.offset, sent!.baseOffset);
  assert.equal(status.lastStall?.aborted, false);
  assert.equal(banner((await client.get('/')).text), undefined, 'no banner once it is over');
  assert.match((await client.get('/cluster')).text, /data-testid="last-stall">Last stall: /);
});

test('no-commit-crash (in-process, exit recorded): N messages stored, none committed, then exit(1); a new member gets them all', async () => {
  const topic = suiteName('crash-topic-1');
  const group = suiteName('crash-group-1');
  await createTopicsAndWait(admin, [{ topic, numPartitions: 3 }]);
  const exits: number[] = [];
  const a = await start({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, FAILURE_MODE: 'no-commit-crash', FAILURE_AFTER_MESSAGES: '3' }, (code) => exits.push(code));
  await waitFor('A running', () => a.consumer.status().state === 'running');
  const client = new Client(a.url);
  assert.deepEqual(banner((await client.get('/')).text), {
    mode: 'no-commit-crash',
    text: 'Failure switch "no-commit-crash": this instance commits nothing and exits after 3 more message(s).',
  });

  await producer.send({ topic, messages: [{ key: 'k1', value: 'c-1' }] });
  await waitFor('first stored', () => a.store.size === 1);
  assert.deepEqual(banner((await client.get('/consume')).text)?.text, 'Failure switch "no-commit-crash": this instance commits nothing and exits after 2 more message(s).');
  await producer.send({ topic, messages: [{ key: 'k2', value: 'c-2' }, { key: 'k3', value: 'c-3' }] });
  await waitFor('exit called', () => exits.length > 0);
  assert.deepEqual(exits, [1]);
  assert.deepEqual(a.store.newestFirst().map((m) => m.value).sort(), ['c-1', 'c-2', 'c-3'], 'all three were processed');
  assert.deepEqual(await committed(group, topic), ['-1', '-1', '-1'], 'none was committed');
  const api = (await client.get('/api/cluster')).json<{ instance: { failure: { exiting: boolean } } }>();
  assert.equal(api.instance.failure.exiting, true);

  // The "crashed" instance goes away; a survivor in the same group gets every message again.
  await a.stop();
  const b = await start({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, INSTANCE_ID: 'survivor' });
  const survived = await waitFor('survivor got three', () => (b.store.size === 3 ? b.store.newestFirst() : undefined));
  assert.deepEqual(survived.map((m) => m.value).sort(), ['c-1', 'c-2', 'c-3']);
});

test('no-commit-crash (src/main.ts as a child process): exits with code 1 and the log line, having committed nothing', async () => {
  const topic = suiteName('crash-topic-2');
  const group = suiteName('crash-group-2');
  await createTopicsAndWait(admin, [{ topic, numPartitions: 2 }]);
  const cwd = tempDir('kwd-crash-');
  dirs.push(cwd);
  const child = spawn(process.execPath, ['--import', TSX, MAIN, '--failure-mode', 'no-commit-crash', '--failure-after', '2'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...FAST, LOG_LEVEL: 'info', PORT: '0', KAFKA_BROKERS: broker.address, KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, INSTANCE_ID: 'child' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      try {
        lines.push(JSON.parse(buffered.slice(0, nl)));
      } catch {
        // not a log line
      }
      buffered = buffered.slice(nl + 1);
    }
  });
  child.stderr!.resume();
  // 'close', not 'exit': the crash log line can still be in the pipe when 'exit' fires.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  try {
    const up = await waitFor('child listening', () => lines.find((l) => l.msg === 'web app listening'), 30_000);
    assert.equal(up.failureMode, 'no-commit-crash');
    await waitFor('child in the group', async () => (await members(group)).state === 'Stable', 20_000);
    await producer.send({ topic, messages: [{ key: 'a', value: 'x-1' }, { key: 'b', value: 'x-2' }] });
    assert.deepEqual(await exited, { code: 1, signal: null });
    const crash = lines.find((l) => l.msg === CRASH_LOG_MESSAGE);
    assert.ok(crash, 'the crash is logged');
    assert.equal(crash.uncommitted, 2);
    assert.equal(crash.level, 60, 'at fatal level');
    assert.deepEqual(await committed(group, topic), ['-1', '-1'], 'nothing was committed');
  } finally {
    child.kill('SIGKILL');
  }
});

test('the failure switch over JSON: validation, arming, and turning it off', async () => {
  const a = await start({ KAFKA_TOPIC: suiteName('json-failure-topic'), KAFKA_GROUP_ID: suiteName('json-failure') });
  const client = new Client(a.url);
  const bad = await client.postJson('/api/failure', { mode: 'explode', afterMessages: 0 });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json<{ errors: Array<{ field: string }> }>().errors.map((e) => e.field).sort(), ['afterMessages', 'mode']);
  const form = await client.postForm('/api/failure', { mode: 'stall' });
  assert.equal(form.status, 403, 'non-JSON bodies need a CSRF token like any form post');

  const armed = await client.postJson('/api/failure', { mode: 'stall', afterMessages: 4, stallMs: 2500 });
  assert.equal(armed.status, 200);
  const failure = armed.json<{ instance: { failure: { mode: string; afterMessages: number; stallMs: number; remaining: number } } }>().instance.failure;
  assert.deepEqual([failure.mode, failure.afterMessages, failure.stallMs, failure.remaining], ['stall', 4, 2500, 4]);

  const off = await client.postJson('/api/failure', { mode: 'none' });
  assert.equal(off.json<{ instance: { failure: { mode: string } } }>().instance.failure.mode, 'none');
  assert.equal(banner((await client.get('/')).text), undefined);
});

test('pausing the consumer ends a running stall (it belongs to the membership being left)', async () => {
  const topic = suiteName('stall-pause-topic');
  const group = suiteName('stall-pause');
  await createTopicsAndWait(admin, [{ topic, numPartitions: 1 }]);
  const a = await start({ KAFKA_TOPIC: topic, KAFKA_GROUP_ID: group, FAILURE_MODE: 'stall', FAILURE_AFTER_MESSAGES: '1', FAILURE_STALL_MS: '600000' });
  await waitFor('running', () => a.consumer.status().state === 'running');
  await producer.send({ topic, messages: [{ value: 'held' }] });
  await waitFor('stalling', () => a.failure.status().stalling);
  const res = await new Client(a.url).postJson('/api/consumer/pause', {});
  assert.equal(res.status, 200);
  assert.equal(res.json<{ instance: { consumer: { state: string } } }>().instance.consumer.state, 'paused');
  assert.equal(a.failure.status().lastStall?.aborted, true);
  assert.equal(a.store.size, 0, 'the abandoned message is not stored by the client that left');
  assert.equal((await members(group)).members.length, 0, 'it left the group');
});
