// Issue 8 item 4 end to end: the broker CLI under `ulimit -n 256` serves a topic of 2,000
// partitions (created, produced to and read back from every partition, and again after a
// restart), holds at most maxOpenFiles segment files, and refuses partitions beyond
// --max-partitions with POLICY_VIOLATION, leaving no directory behind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { defaultMaxOpenFiles } from '../../../src/broker/storage/file-cache.js';
import { LISTENING_MSG, tempDir, removeDir, spawnBrokerProcess, ulimitWrapper, type BrokerProcess } from '../../helpers/broker.js';
import { readTopic, testKafka } from '../../helpers/kafka.js';

const FD_LIMIT = 256;
const PARTITIONS = 2000;
const MAX_PARTITIONS = 2500;
const TOPIC = 'wide';

const dataDir = tempDir('open-files-');
const running = new Set<BrokerProcess>();
after(async () => {
  for (const b of running) await b.stop('SIGKILL');
  removeDir(dataDir);
});

async function start(): Promise<BrokerProcess> {
  const b = await spawnBrokerProcess({ dataDir, wrapper: ulimitWrapper(FD_LIMIT), args: ['--max-partitions', String(MAX_PARTITIONS)] });
  running.add(b);
  return b;
}

async function stop(b: BrokerProcess): Promise<void> {
  const exit = await b.stop('SIGTERM');
  running.delete(b);
  assert.equal(exit.code, 0, b.stderr());
}

/** Descriptors of the broker process that point at segment files. */
function segmentFilesOpen(pid: number): number {
  let n = 0;
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (/\.(log|index)$/.test(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

function assertEveryPartitionHoldsItsMessage(contents: Awaited<ReturnType<typeof readTopic>>): void {
  assert.equal(contents.partitions.size, PARTITIONS);
  for (let p = 0; p < PARTITIONS; p++) {
    assert.deepEqual(
      contents.partitions.get(p)?.map((m) => m.value),
      [`value-${p}`],
      `partition ${p}`,
    );
  }
}

test(`${PARTITIONS} partitions under ulimit -n ${FD_LIMIT}: created, written, read, restarted; a create beyond --max-partitions is refused`, async () => {
  let broker = await start();
  const listening = broker.logs().find((r) => r.msg === LISTENING_MSG)!;
  assert.equal(listening.maxOpenFiles, defaultMaxOpenFiles(FD_LIMIT), 'maxOpenFiles is derived from the descriptor limit');
  const maxOpen = Number(listening.maxOpenFiles);

  let kafka = testKafka(broker.brokers, { requestTimeout: 60_000 });
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], timeout: 60_000 }), true);
    const producer = kafka.producer();
    await producer.connect();
    try {
      const results = await producer.send({
        topic: TOPIC,
        acks: -1,
        timeout: 60_000,
        messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, key: `key-${p}`, value: `value-${p}` })),
      });
      assert.equal(results.length, PARTITIONS);
      assert.ok(results.every((r) => r.errorCode === 0));
    } finally {
      await producer.disconnect();
    }
    assertEveryPartitionHoldsItsMessage(await readTopic(kafka, TOPIC, 120_000));
    assert.ok(segmentFilesOpen(broker.pid) <= maxOpen, `open segment files: ${segmentFilesOpen(broker.pid)}`);

    // 2,000 + 600 > 2,500: refused before anything is created.
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: TOPIC, count: PARTITIONS + 600 }] }), (err: { type?: string }) => {
      assert.equal(err.type, 'POLICY_VIOLATION');
      return true;
    });
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'more', numPartitions: 600 }] }), (err: { errors?: Array<{ type?: string }> }) => {
      assert.equal(err.errors?.[0]?.type, 'POLICY_VIOLATION');
      return true;
    });
    const dirs = fs.readdirSync(dataDir);
    assert.equal(dirs.filter((d) => d.startsWith(`${TOPIC}-`)).length, PARTITIONS);
    assert.equal(dirs.filter((d) => d.startsWith('more-')).length, 0);
  } finally {
    await admin.disconnect();
  }
  assert.equal(
    broker.logs().filter((r) => Number(r.level) >= 50).length,
    0,
    `no errors logged:\n${broker.logs().filter((r) => Number(r.level) >= 50).map((r) => JSON.stringify(r)).join('\n')}`,
  );
  await stop(broker);

  // Recovery of every partition under the same limit, then everything reads back.
  broker = await start();
  kafka = testKafka(broker.brokers, { requestTimeout: 60_000 });
  assertEveryPartitionHoldsItsMessage(await readTopic(kafka, TOPIC, 120_000));
  assert.ok(segmentFilesOpen(broker.pid) <= maxOpen);
  await stop(broker);
});
