/**
 * Every compression codec Kafka allows, produced by ordinary clients (kcat and confluent-kafka,
 * i.e. librdkafka 2.0.2), is consumed by the app, which keeps consuming afterwards; and what the
 * app's codecs compress (through kafkajs) is read back by kcat. Before the codecs were
 * registered, the first snappy/lz4/zstd batch crashed the consumer in a loop.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import kafkajs from 'kafkajs';
import type { RunningApp } from '../../src/main.js';
import { Client, startTestApp, startSuiteBroker, waitFor, type SuiteBroker } from './harness.js';
import { KCAT, PYTHON, assertOk, run } from '../compat/helpers.js';

const TOPIC = 'codec-topic';
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const PER_RUN = 12;

let broker: SuiteBroker;
let app: RunningApp;

before(async () => {
  broker = await startSuiteBroker();
  app = await startTestApp(broker.address, { env: { KAFKA_TOPIC: TOPIC, KAFKA_GROUP_ID: 'codec-group', MESSAGES_CAPACITY: '1000' } });
  await waitFor('app ready', async () => (await fetch(`${app.url}/readyz`)).status === 200, 30_000);
});

after(async () => {
  await app?.stop();
  await broker?.close();
  fs.rmSync(broker.dataDir, { recursive: true, force: true });
});

/** Repetitive values, so every codec really compresses (librdkafka sends tiny batches plain). */
const valueOf = (client: string, codec: string, i: number) => `${client} ${codec} value ${i} ${'compressible '.repeat(40)}`;

const PY_PRODUCE = `
import sys
from confluent_kafka import Producer
bootstrap, topic, codec, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 50, "acks": "all"})
errors = []
for i in range(count):
    value = "python %s value %d %s" % (codec, i, "compressible " * 40)
    p.produce(topic, key=("python-%s-%d" % (codec, i)).encode(), value=value.encode(),
              on_delivery=lambda err, msg: errors.append(str(err)) if err else None)
left = p.flush(30)
if left or errors:
    print("not delivered:", left, errors, file=sys.stderr)
    sys.exit(1)
`;

test('gzip, snappy, lz4 and zstd batches from kcat and confluent-kafka are all consumed, and consuming goes on', async () => {
  for (const codec of CODECS) {
    const input = Array.from({ length: PER_RUN }, (_, i) => `kcat-${codec}-${i}:${valueOf('kcat', codec, i)}`).join('\n') + '\n';
    const r = await run(KCAT, ['-b', broker.address, '-P', '-t', TOPIC, '-K', ':', '-z', codec, '-X', 'linger.ms=50'], { input, timeoutMs: 60_000 });
    assertOk(`kcat -z ${codec}`, r);
    const py = await run(PYTHON, ['-c', PY_PRODUCE, broker.address, TOPIC, codec, String(PER_RUN)], { timeoutMs: 60_000 });
    assertOk(`confluent-kafka compression.type=${codec}`, py);
  }
  const expected = CODECS.flatMap((codec) => Array.from({ length: PER_RUN }, (_, i) => [valueOf('kcat', codec, i), valueOf('python', codec, i)])).flat();
  await waitFor(
    'every compressed message consumed',
    () => {
      const seen = new Set(app.store.newestFirst().map((m) => m.value));
      return expected.every((v) => seen.has(v));
    },
    60_000,
  );
  const status = app.consumer.status();
  assert.equal(status.restarts, 0, `the consumer never crashed (last error: ${status.lastError})`);
  assert.equal(status.undecodable, 0);

  // And it keeps consuming: an ordinary message after all of them arrives too.
  const client = new Client(app.url);
  assert.equal((await client.postJson('/api/messages', { value: 'after the compressed ones' })).status, 201);
  await waitFor('the next plain message consumed', () => app.store.newestFirst().some((m) => m.value === 'after the compressed ones'), 30_000);
  assert.equal((await client.get('/readyz')).status, 200);
  const metrics = (await client.get('/metrics')).text;
  assert.match(metrics, new RegExp(`^kafka_web_demo_messages_undecodable_total\\{topic="${TOPIC}"\\} 0$`, 'm'));
});

test('what the registered codecs compress is readable by kcat (librdkafka)', async () => {
  const { CompressionTypes, Kafka, logLevel } = kafkajs;
  const kafka = new Kafka({ brokers: [broker.address], clientId: 'codec-writer', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const topic = 'codec-written';
  const types = { gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };
  // 40 KiB values make the snappy framing use more than one 32 KiB block.
  const big = 'abcdefghij'.repeat(4096);
  try {
    for (const codec of CODECS) {
      await producer.send({
        topic,
        compression: types[codec],
        messages: Array.from({ length: 5 }, (_, i) => ({ key: `${codec}-${i}`, value: `${codec} ${i} ${big}`, partition: 0 })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  const r = await run(KCAT, ['-b', broker.address, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k %S\n'], { timeoutMs: 60_000 });
  assertOk('kcat -C', r);
  const lines = r.stdout.trim().split('\n');
  const expected = CODECS.flatMap((codec) => Array.from({ length: 5 }, (_, i) => `${codec}-${i} ${Buffer.byteLength(`${codec} ${i} ${big}`)}`));
  assert.deepEqual(lines, expected);
});
