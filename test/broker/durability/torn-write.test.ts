// A crash in the middle of writing a batch leaves a damaged tail on the newest segment file.
// While the broker is stopped we put such a tail there by hand; on restart it must cut the tail
// off, keep everything before it, and hand out the next offsets without a gap.
//
// File layout relied on (src/broker/storage): <dataDir>/<topic>-<partition>/<20-digit base>.log
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRecordBatch } from '../../../src/broker/protocol/record-batch.js';
import { tempDir, removeDir, startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { readTopic, testKafka } from '../../helpers/kafka.js';

const TOPIC = 'torn';
/** Small segments, so the partition has several files and "the newest" is a real choice. */
const SEGMENT_BYTES = 2048;
const BEFORE = 40;
const AFTER = 15;

function newestSegment(dataDir: string): { path: string; count: number } {
  const dir = join(dataDir, `${TOPIC}-0`);
  const logs = readdirSync(dir)
    .filter((f) => /^\d{20}\.log$/.test(f))
    .sort();
  assert.ok(logs.length > 0, `no segment files in ${dir}`);
  return { path: join(dir, logs[logs.length - 1]), count: logs.length };
}

/** A genuine batch continuing the log at `nextOffset`, as a crashed write would have started it. */
function nextBatch(nextOffset: number): Buffer {
  return encodeRecordBatch(
    [
      { key: 'lost-1', value: 'x'.repeat(300) },
      { key: 'lost-2', value: 'y'.repeat(300) },
    ],
    { baseOffset: BigInt(nextOffset) },
  );
}

const tails: { name: string; tail: (nextOffset: number) => Buffer }[] = [
  { name: 'a few bytes of a batch header', tail: (o) => nextBatch(o).subarray(0, 7) },
  { name: 'a header without its records', tail: (o) => nextBatch(o).subarray(0, 61) },
  { name: 'a batch cut off in the middle', tail: (o) => nextBatch(o).subarray(0, 350) },
  {
    name: 'a full-length batch whose last page never reached the disk',
    tail: (o) => {
      const b = Buffer.from(nextBatch(o));
      b.fill(0, b.length - 100);
      return b;
    },
  },
  { name: 'zeros from a file extended but never written', tail: () => Buffer.alloc(4096) },
];

for (const { name, tail } of tails) {
  test(`recovers from a torn tail: ${name}`, async (t) => {
    const dataDir = tempDir('durability-torn-');
    let tb: TestBroker | undefined;
    t.after(async () => {
      await tb?.cleanup(); // leaves dataDir alone: it was passed in
      removeDir(dataDir);
    });
    const options = { dataDir, segmentBytes: SEGMENT_BYTES };

    // 1. Write some history, one message per batch so there are many batch boundaries.
    tb = await startTestBroker(options);
    {
      const kafka = testKafka(tb.brokers);
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
      await admin.disconnect();
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      for (let i = 0; i < BEFORE; i++) {
        await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: `k${i}`, value: `before-${i}-` + 'z'.repeat(i * 7) }] });
      }
      await producer.disconnect();
    }
    await tb.cleanup();

    // 2. Damage the tail of the newest segment while nothing is running.
    const seg = newestSegment(dataDir);
    assert.ok(seg.count > 1, 'the history should span several segments');
    const goodSize = statSync(seg.path).size;
    appendFileSync(seg.path, tail(BEFORE));
    assert.ok(statSync(seg.path).size > goodSize);

    // 3. Restart: the damaged tail is cut off and the good data is all still there.
    tb = await startTestBroker(options);
    assert.equal(statSync(seg.path).size, goodSize, 'recovery should truncate the segment to its last whole batch');
    const kafka = testKafka(tb.brokers);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let i = 0; i < AFTER; i++) {
      const [res] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: `k${BEFORE + i}`, value: `after-${i}` }] });
      assert.equal(Number(res.baseOffset), BEFORE + i, 'appends continue right after the last good batch');
    }
    await producer.disconnect();

    const contents = await readTopic(kafka, TOPIC);
    assert.equal(contents.highWatermarks.get(0), BEFORE + AFTER);
    const msgs = contents.partitions.get(0)!;
    assert.deepEqual(
      msgs.map((m) => m.offset),
      Array.from({ length: BEFORE + AFTER }, (_, i) => i),
    );
    msgs.forEach((m, i) => {
      assert.equal(m.key, `k${i}`);
      assert.equal(m.value, i < BEFORE ? `before-${i}-` + 'z'.repeat(i * 7) : `after-${i - BEFORE}`);
    });
  });
}
