/**
 * The broker thread of the hosting instance dies while its process lives on (a bug in the
 * broker, an aborted thread). Its lock then names a live pid, which no other process may break:
 * the host itself must let go, or no instance could ever restart the broker. Here the host is an
 * instance in this test process (so its thread can be made to fail) and the other one a real app
 * process; the broker must come back on the same address with everything written before.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { readDataDirLock, type LockInfo } from '../../src/broker/index.js';
import { loadConfig } from '../../src/config.js';
import { connectBroker, type BrokerConnection } from '../../src/kafka/broker-connection.js';
import { probeKafka } from '../../src/kafka/probe.js';
import { readTopic, testKafka } from '../helpers/kafka.js';
import { removeDir } from '../helpers/temp.js';
import { freePort, ProcessSet, spawnApp, tempDir, waitFor, type AppProcess } from './harness.js';

const procs = new ProcessSet();
after(() => procs.killAll());

interface Setup {
  a: BrokerConnection;
  b: AppProcess;
  port: number;
  dataDir: string;
  before: LockInfo;
}

async function hostHereJoinThere(t: { after(fn: () => Promise<void>): void }, name: string): Promise<Setup> {
  const dir = tempDir(`thread-crash-${name}-`);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const env = { KAFKA_BROKERS: 'embedded', EMBEDDED_PORT: String(port), EMBEDDED_DATA_DIR: dataDir, EMBEDDED_PARTITIONS: '1', EMBEDDED_THREAD: 'worker' };
  const a = await connectBroker(loadConfig({ files: { configJson: null, dotenv: null }, env }), pino({ level: 'silent' }), `${name}-a`);
  const b = spawnApp(procs, { brokers: 'embedded', groupId: `${name}-group`, topic: `${name}-topic`, instanceId: `${name}-b`, env });
  t.after(async () => {
    await b.stop('SIGTERM').catch(() => {});
    await a.close().catch(() => {});
    removeDir(dir);
  });
  await b.ready();
  assert.equal(a.mode, 'embedded-started');
  const before = await readDataDirLock(dataDir);
  assert.equal(before?.owner, `${name}-a`);
  const producer = testKafka([`127.0.0.1:${port}`]).producer();
  await producer.connect();
  await producer.send({ topic: `${name}-data`, messages: [{ key: 'k', value: 'written before the crash' }] });
  await producer.disconnect();
  return { a, b, port, dataDir, before: before! };
}

const crash = (a: BrokerConnection) => (a as unknown as { crashHostedBrokerThread(): void }).crashHostedBrokerThread();

/** One observation: a lock with a new token, held by `owner` if given, and a broker answering. */
function restarted(s: Setup, owner?: string) {
  return waitFor(
    'the broker restarted on its address',
    async () => {
      const lock = await readDataDirLock(s.dataDir);
      if (!lock || lock.token === s.before.token || (owner !== undefined && lock.owner !== owner)) return undefined;
      await probeKafka('127.0.0.1', s.port, 1000);
      return lock;
    },
    60_000,
  );
}

async function assertData(s: Setup, name: string): Promise<void> {
  const kafka = testKafka([`127.0.0.1:${s.port}`]);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: `${name}-data`, messages: [{ key: 'k', value: 'written after the restart' }] });
  await producer.disconnect();
  const contents = await readTopic(kafka, `${name}-data`);
  assert.deepEqual(contents.partitions.get(0)?.map((m) => m.value), ['written before the crash', 'written after the restart']);
}

test('the host whose broker thread died races for it again like any instance, and the broker comes back with its data', async (t) => {
  const s = await hostHereJoinThere(t, 'race');
  let lost = false;
  s.a.once('lost', () => (lost = true));
  crash(s.a);
  const lock = await restarted(s);
  assert.equal(lost, true, 'the crashed host reported the broker lost');
  assert.ok(lock.owner === 'race-a' || lock.owner === 'race-b', `restarted by one of the two instances (${lock.owner})`);
  await assertData(s, 'race');
});

test('another process can take the broker over from a host whose thread died: the host releases its lock', async (t) => {
  const s = await hostHereJoinThere(t, 'release');
  // This host stays out of the race (as during its own shutdown), so only the other process can
  // restart the broker, which it may only do once the lock naming this live pid is gone.
  s.a.stopWatching();
  crash(s.a);
  const lock = await restarted(s, 'release-b');
  assert.notEqual(lock.pid, process.pid);
  await assertData(s, 'release');
});
