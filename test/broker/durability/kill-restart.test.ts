// The broker runs as its own process (the real CLI) and is SIGKILLed while a producer with
// acks=-1 has requests in flight. After a restart on the same data dir and port, every
// acknowledged message must be exactly where the broker said it put it, and each partition must
// hold a gap-free run of offsets from 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, removeDir, spawnBrokerProcess, type BrokerProcess } from '../../helpers/broker.js';
import { readTopic, testKafka } from '../../helpers/kafka.js';

const TOPIC = 'durable-stream';
const PARTITIONS = 3;
const SENDERS = 4;
/** Kill once this many messages are acknowledged; the stream itself is longer. */
const KILL_AFTER_ACKS = 300;
/** Each round restarts the broker on what the previous kill left, and kills it again. */
const ROUNDS = 3;
const MAX_MESSAGES = 20_000;

interface Ack {
  n: number;
  partition: number;
  offset: number;
}

function valueOf(n: number): string {
  // Varying lengths make batches of different sizes, so a torn tail can land anywhere.
  return `message-${n}|` + 'abcdefghij'.repeat(n % 37);
}

test('acknowledged messages survive repeated SIGKILLs mid-stream and offsets stay contiguous', async (t) => {
  const dataDir = tempDir('durability-kill-');
  let broker: BrokerProcess | undefined;
  t.after(async () => {
    await broker?.stop('SIGKILL');
    removeDir(dataDir);
  });

  broker = await spawnBrokerProcess({ dataDir });
  const port = broker.port;
  {
    const admin = testKafka(broker.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
    await admin.disconnect();
  }

  const acked: Ack[] = [];
  /** Partition each message number was sent to (acknowledged or not). */
  const intended = new Map<number, number>();
  let next = 0;
  let sends = 0;

  /** Streams messages at `victim` until KILL_AFTER_ACKS more are acknowledged, then SIGKILLs it. */
  const streamAndKill = async (victim: BrokerProcess, round: number) => {
    // retries: 0 so nothing is ever sent twice: a message is in the log at most once.
    const kafka = testKafka(victim.brokers, { retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const target = acked.length + KILL_AFTER_ACKS;
    let killed = false;
    let failedAfterKill = 0;
    const sender = async () => {
      while (next < MAX_MESSAGES) {
        // Each send carries 1-4 messages for one partition, so they share one batch.
        const s = sends++;
        const start = next;
        next += (s % 4) + 1;
        const partition = s % PARTITIONS;
        const ns = Array.from({ length: (s % 4) + 1 }, (_, i) => start + i);
        for (const n of ns) intended.set(n, partition);
        try {
          const [res] = await producer.send({
            topic: TOPIC,
            acks: -1,
            messages: ns.map((n) => ({ key: `key-${n}`, value: valueOf(n), partition })),
          });
          assert.equal(res.errorCode, 0);
          assert.equal(res.partition, partition);
          const base = Number(res.baseOffset);
          ns.forEach((n, i) => acked.push({ n, partition, offset: base + i }));
          if (!killed && acked.length >= target) {
            // Kill from inside the stream: the other senders have requests on the wire right now.
            killed = true;
            victim.child.kill('SIGKILL');
          }
        } catch (err) {
          if (!killed) throw err;
          failedAfterKill++;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    assert.ok(killed, 'the broker should have been killed mid-stream');
    const exit = await victim.exited;
    assert.equal(exit.signal, 'SIGKILL');
    await producer.disconnect().catch(() => undefined);
    t.diagnostic(`round ${round}: ${acked.length} acknowledged in total, ${failedAfterKill} sends cut off by the kill`);
  };

  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1) {
      // Same data dir and port: clients reconnect to the address they already know.
      broker = await spawnBrokerProcess({ dataDir, port });
      assert.equal(broker.port, port);
    }
    await streamAndKill(broker, round);
  }

  broker = await spawnBrokerProcess({ dataDir, port });
  const kafka2 = testKafka(broker.brokers);
  const contents = await readTopic(kafka2, TOPIC, 40_000);

  const stored = new Map<string, { key: string | null; value: string | null }>();
  for (let p = 0; p < PARTITIONS; p++) {
    const msgs = contents.partitions.get(p) ?? [];
    const hw = contents.highWatermarks.get(p)!;
    assert.equal(contents.lowWatermarks.get(p), 0, `partition ${p} should still start at 0`);
    const offsets = msgs.map((m) => m.offset);
    assert.deepEqual(
      offsets,
      Array.from({ length: hw }, (_, i) => i),
      `partition ${p}: offsets must run 0..${hw - 1} once each, in order`,
    );
    for (const m of msgs) stored.set(`${p}:${m.offset}`, { key: m.key, value: m.value });
  }

  for (const a of acked) {
    const got = stored.get(`${a.partition}:${a.offset}`);
    assert.deepEqual(
      got,
      { key: `key-${a.n}`, value: valueOf(a.n) },
      `acknowledged message ${a.n} should be at partition ${a.partition} offset ${a.offset}`,
    );
  }

  // Whatever else survived (written but not yet acknowledged) must be genuine and unduplicated.
  const seen = new Set<number>();
  for (const [at, m] of stored) {
    const n = Number(/^key-(\d+)$/.exec(m.key ?? '')?.[1]);
    assert.ok(Number.isInteger(n), `unexpected key ${m.key} at ${at}`);
    assert.equal(m.value, valueOf(n), `value at ${at} is damaged`);
    assert.equal(Number(at.split(':')[0]), intended.get(n), `message ${n} is in the wrong partition`);
    assert.ok(!seen.has(n), `message ${n} is stored twice`);
    seen.add(n);
  }
  t.diagnostic(`${stored.size} messages stored, ${acked.length} of them acknowledged`);

  // The recovered log keeps taking appends right after its last offset.
  const producer2 = kafka2.producer({ allowAutoTopicCreation: false });
  await producer2.connect();
  for (let p = 0; p < PARTITIONS; p++) {
    const [res] = await producer2.send({ topic: TOPIC, acks: -1, messages: [{ value: 'after-restart', partition: p }] });
    assert.equal(Number(res.baseOffset), contents.highWatermarks.get(p), `partition ${p} should continue at its old end`);
  }
  await producer2.disconnect();

  const stop = await broker.stop('SIGTERM');
  assert.equal(stop.code, 0);
});
