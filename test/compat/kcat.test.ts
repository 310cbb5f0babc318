/**
 * kcat 1.7.1 / librdkafka 2.0.2 (Debian bookworm packages) against the embedded broker:
 * metadata listing, keyed produce with the Java-compatible partitioner, consume from the
 * beginning, and a balanced consumer group that commits and later resumes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stepper } from '../helpers/steps.js';
import { Kafka, logLevel } from 'kafkajs';
import { LOG_OVERHEAD, readBatchHeader } from '../../src/broker/protocol/record-batch.js';
import {
  KCAT,
  PARTITIONS,
  asSet,
  assertOk,
  describeRun,
  murmur2Partition,
  run,
  startCompatBroker,
  uniqueName,
  type CompatBroker,
  type Msg,
} from './helpers.js';

interface KcatJsonMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  topics: { topic: string; error?: string; partitions: { partition: number; leader: number; error?: string }[] }[];
}

const CODEC_IDS: Record<string, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

function parseJsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}

function toMsg(m: KcatJsonMessage): Msg {
  return { key: m.key, value: m.payload, partition: m.partition, offset: m.offset };
}

describe('kcat (librdkafka 2.0.2)', { timeout: 240_000 }, () => {
  let b: CompatBroker;
  let kafka: Kafka;
  // Quiet, and the metadata/group timeouts are generous so a slow CI box does not flake.
  const base = () => ['-b', b.address, '-m', '15', '-X', 'socket.timeout.ms=20000'];

  before(async () => {
    b = await startCompatBroker();
    kafka = new Kafka({ brokers: [b.address], logLevel: logLevel.NOTHING, clientId: 'compat-check' });
  });
  after(async () => {
    await b?.close();
  });

  it('kcat -L lists the broker with its advertised address', async () => {
    const r = await run(KCAT, [...base(), '-L', '-J'], { timeoutMs: 30_000 });
    assertOk('kcat -L', r);
    const md = JSON.parse(r.stdout) as KcatMetadata;
    assert.equal(md.brokers.length, 1, describeRun('kcat -L', r));
    assert.equal(md.brokers[0].name, b.address);
  });

  const topic = uniqueName('kcat-keyed');
  const keyed: Msg[] = Array.from({ length: 30 }, (_, i) => ({ key: `key-${i}`, value: `value ${i} ✓` }));
  const tombstone: Msg = { key: 'deleted-key', value: null };

  it('keyed messages through kcat in steps: produce, metadata, read back, a slice', async (t) => {
    const step = stepper(t);
    await step('kcat -P produces keyed messages (murmur2 placement, headers, a NULL value)', async () => {
      // -K: splits key from value; -Z turns the empty value into a NULL (tombstone).
      const input = [...keyed.map((m) => `${m.key}:${m.value}`), `${tombstone.key}:`].join('\n') + '\n';
      const r = await run(
        KCAT,
        [...base(), '-P', '-t', topic, '-K', ':', '-Z', '-H', 'origin=kcat', '-X', 'partitioner=murmur2_random'],
        { input, timeoutMs: 60_000 },
      );
      assertOk('kcat -P', r);
    });

    await step('kcat -L -t shows the auto-created topic with every partition led by the broker', async () => {
      const r = await run(KCAT, [...base(), '-L', '-J', '-t', topic], { timeoutMs: 30_000 });
      assertOk('kcat -L -t', r);
      const md = JSON.parse(r.stdout) as KcatMetadata;
      const t = md.topics.find((x) => x.topic === topic);
      assert.ok(t, describeRun('topic missing from metadata', r));
      assert.equal(t.error, undefined);
      assert.deepEqual(
        t.partitions.map((p) => p.partition).sort(),
        Array.from({ length: PARTITIONS }, (_, i) => i),
      );
      for (const p of t.partitions) assert.equal(p.leader, md.brokers[0].id);
    });

    await step('kcat -C -o beginning -e reads back exactly what was produced', async () => {
      const r = await run(KCAT, [...base(), '-C', '-t', topic, '-o', 'beginning', '-e', '-J'], { timeoutMs: 60_000 });
      assertOk('kcat -C', r);
      const got = parseJsonLines<KcatJsonMessage>(r.stdout);
      assert.deepEqual(asSet(got.map(toMsg)), asSet([...keyed, tombstone]));
      for (const m of got) {
        assert.equal(m.topic, topic);
        assert.deepEqual(m.headers, ['origin', 'kcat'], `headers of ${m.key}`);
        // murmur2_random hashes keys like the Java client and kafkajs's DefaultPartitioner
        assert.equal(m.partition, murmur2Partition(topic, m.key!), `partition of ${m.key}`);
      }
      const tomb = got.find((m) => m.key === tombstone.key);
      assert.equal(tomb?.payload, null);
      // offsets in each partition are dense from 0, in produce order
      for (let p = 0; p < PARTITIONS; p++) {
        const inPartition = got.filter((m) => m.partition === p);
        assert.deepEqual(
          inPartition.map((m) => m.offset),
          inPartition.map((_, i) => i),
        );
        const expectedOrder = [...keyed, tombstone].filter((m) => murmur2Partition(topic, m.key!) === p).map((m) => m.key);
        assert.deepEqual(
          inPartition.map((m) => m.key),
          expectedOrder,
        );
      }
    });

    await step('kcat -C -p <partition> -o <offset> -c reads a precise slice', async () => {
      const p0 = [...keyed, tombstone].filter((m) => murmur2Partition(topic, m.key!) === 0);
      assert.ok(p0.length >= 3, 'enough keys hash to partition 0');
      const r = await run(KCAT, [...base(), '-C', '-t', topic, '-p', '0', '-o', '1', '-c', '2', '-J'], {
        timeoutMs: 60_000,
      });
      assertOk('kcat -C -p 0 -o 1 -c 2', r);
      const got = parseJsonLines<KcatJsonMessage>(r.stdout);
      assert.deepEqual(
        got.map((m) => [m.offset, m.key]),
        [
          [1, p0[1].key],
          [2, p0[2].key],
        ],
      );
    });
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    it(`round-trips a ${codec}-compressed batch (the broker stores it opaque)`, async () => {
      const t = uniqueName(`kcat-${codec}`);
      const values = Array.from({ length: 25 }, (_, i) => `${codec} message ${i} ${'x'.repeat(i * 10)}`);
      const p = await run(KCAT, [...base(), '-P', '-t', t, '-p', '0', '-X', `compression.codec=${codec}`], {
        input: values.join('\n') + '\n',
        timeoutMs: 60_000,
      });
      assertOk(`kcat -P ${codec}`, p);
      // librdkafka silently sends uncompressed when it thinks the broker lacks the codec; make sure it
      // did not. (A batch of one short message may still go uncompressed when compressing would not
      // shrink it, and how lines fall into batches depends on timing, so look at every batch.)
      const stored = await b.broker.logs.partition(t, 0)!.read(0n, 1 << 20);
      const codecs = new Set<number>();
      for (let at = 0; at < stored.length; at += LOG_OVERHEAD + readBatchHeader(stored, at).batchLength) {
        codecs.add(readBatchHeader(stored, at).attributes & 7);
      }
      assert.ok(codecs.has(CODEC_IDS[codec]), `some stored batch is ${codec}-compressed: ${[...codecs]}`);
      assert.deepEqual([...codecs].filter((c) => c !== 0 && c !== CODEC_IDS[codec]), []);
      const c = await run(KCAT, [...base(), '-C', '-t', t, '-p', '0', '-o', 'beginning', '-e', '-J'], {
        timeoutMs: 60_000,
      });
      assertOk(`kcat -C ${codec}`, c);
      const got = parseJsonLines<KcatJsonMessage>(c.stdout);
      assert.deepEqual(
        got.map((m) => [m.offset, m.payload]),
        values.map((v, i) => [i, v]),
      );
    });
  }

  it('accepts an idempotent librdkafka producer (InitProducerId + sequences)', async () => {
    const t = uniqueName('kcat-idem');
    const msgs: Msg[] = Array.from({ length: 40 }, (_, i) => ({ key: `id-${i % 7}`, value: `idempotent ${i}` }));
    const p = await run(
      KCAT,
      [...base(), '-P', '-t', t, '-K', ':', '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random'],
      { input: msgs.map((m) => `${m.key}:${m.value}`).join('\n') + '\n', timeoutMs: 60_000 },
    );
    assertOk('kcat -P idempotent', p);
    const c = await run(KCAT, [...base(), '-C', '-t', t, '-o', 'beginning', '-e', '-J'], { timeoutMs: 60_000 });
    assertOk('kcat -C', c);
    const got = parseJsonLines<KcatJsonMessage>(c.stdout);
    assert.deepEqual(asSet(got.map(toMsg)), asSet(msgs));
    // no duplicates, and per-key order is the produce order
    for (let k = 0; k < 7; k++) {
      const key = `id-${k}`;
      assert.deepEqual(
        got.filter((m) => m.key === key).map((m) => m.payload),
        msgs.filter((m) => m.key === key).map((m) => m.value),
      );
    }
  });

  it('kcat -Q resolves offsets by timestamp, and -1/-2 to the log end/start', async () => {
    const t = uniqueName('kcat-times');
    const produce = async (vals: string[]) =>
      assertOk(
        'kcat -P',
        await run(KCAT, [...base(), '-P', '-t', t, '-p', '0'], { input: vals.join('\n') + '\n', timeoutMs: 60_000 }),
      );
    await produce(['early-0', 'early-1', 'early-2']);
    await new Promise((r) => setTimeout(r, 20));
    const boundary = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    await produce(['late-3', 'late-4']);
    const query = async (ts: number) => {
      const r = await run(KCAT, [...base(), '-Q', '-t', `${t}:0:${ts}`], { timeoutMs: 30_000 });
      assertOk(`kcat -Q ${ts}`, r);
      const m = /\[0\] offset (-?\d+)/.exec(r.stdout);
      assert.ok(m, describeRun('kcat -Q output', r));
      return Number(m[1]);
    };
    assert.equal(await query(boundary), 3, 'first offset with timestamp >= boundary');
    assert.equal(await query(0), 0);
    assert.equal(await query(boundary + 3_600_000), -1, 'no record that late');
    assert.equal(await query(-1), 5, 'latest = log end offset');
    assert.equal(await query(-2), 0, 'earliest = log start offset');
  });

  for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
    it(`kcat -Q finds the exact record by timestamp inside one ${codec} batch`, async () => {
      const t = uniqueName(`kcat-ts-${codec}`);
      const count = 12;
      // Compressible values: librdkafka sends a batch uncompressed when compressing would not shrink it.
      // Lines reach kcat a few ms apart, so their CreateTime timestamps differ, while a long linger
      // keeps them in one batch, sent once it holds all `count` (batch.num.messages). Both are checked below.
      const lines = Array.from({ length: count }, (_, i) => `printf 'ts-${codec}-${i} ${'z'.repeat(200)}\\n'; sleep 0.02`).join('; ');
      const kcatArgs = [...base(), '-P', '-t', t, '-p', '0', '-z', codec, '-X', 'linger.ms=60000', '-X', `batch.num.messages=${count}`];
      const p = await run('sh', ['-c', `(${lines}) | ${KCAT} ${kcatArgs.map((a) => `'${a}'`).join(' ')}`], { timeoutMs: 60_000 });
      assertOk(`kcat -P ${codec} (slow input)`, p);
      const stored = await b.broker.logs.partition(t, 0)!.read(0n, 1 << 20);
      const header = readBatchHeader(stored, 0);
      assert.equal(stored.length, LOG_OVERHEAD + header.batchLength, 'all records in one batch');
      assert.deepEqual([header.recordsCount, header.attributes & 7], [count, CODEC_IDS[codec]]);

      const c = await run(KCAT, [...base(), '-C', '-t', t, '-p', '0', '-o', 'beginning', '-e', '-J'], { timeoutMs: 60_000 });
      assertOk(`kcat -C ${codec}`, c);
      const got = parseJsonLines<KcatJsonMessage & { ts: number }>(c.stdout);
      assert.equal(got.length, count);
      // The last record whose timestamp is above its predecessor's: the answer must be it, not the batch start.
      let k = -1;
      for (let i = 1; i < got.length; i++) if (got[i].ts > got[i - 1].ts) k = i;
      assert.ok(k > 0, `records need distinct timestamps: ${JSON.stringify(got.map((m) => m.ts))}`);
      const query = async (ts: number) => {
        const r = await run(KCAT, [...base(), '-Q', '-t', `${t}:0:${ts}`], { timeoutMs: 30_000 });
        assertOk(`kcat -Q ${ts}`, r);
        const m = /\[0\] offset (-?\d+)/.exec(r.stdout);
        assert.ok(m, describeRun('kcat -Q output', r));
        return Number(m[1]);
      };
      assert.equal(await query(got[k].ts), k, `first record with timestamp >= ${got[k].ts}`);
      assert.equal(await query(got[k - 1].ts + 1), k, 'a time between two records gives the later one');
      assert.equal(await query(got[0].ts), 0);
      assert.equal(await query(got[count - 1].ts + 1), -1, 'after the last record');
    });
  }

  it('kcat cannot join a group held by a kafkajs consumer: clean INCONSISTENT_GROUP_PROTOCOL', async () => {
    // kafkajs only offers "RoundRobinAssigner"; librdkafka offers "range,roundrobin". No common
    // protocol, so real Kafka answers JoinGroup with error 23, and so must we.
    const t = uniqueName('kcat-mixed');
    const group = uniqueName('mixed-grp');
    const consumer = kafka.consumer({
      groupId: group,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200, // so disconnect() does not wait out a long fetch poll
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: t, fromBeginning: true });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({ eachMessage: async () => {} });
      await joined;
      const r = await run(KCAT, [...base(), '-G', group, '-e', t], { timeoutMs: 30_000 });
      assert.equal(r.timedOut, false, describeRun('kcat -G against a kafkajs group', r));
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Inconsistent group protocol/, describeRun('kcat -G', r));
    } finally {
      await consumer.disconnect();
    }
  });

  describe('balanced consumer group (-G)', () => {
    const gTopic = uniqueName('kcat-group');
    const group = uniqueName('kcat-grp');
    const first: Msg[] = Array.from({ length: 12 }, (_, i) => ({ key: `a${i}`, value: `first-${i}` }));
    const second: Msg[] = Array.from({ length: 5 }, (_, i) => ({ key: `b${i}`, value: `second-${i}` }));

    const produce = async (msgs: Msg[]) => {
      const input = msgs.map((m) => `${m.key}:${m.value}`).join('\n') + '\n';
      assertOk(
        'kcat -P',
        await run(KCAT, [...base(), '-P', '-t', gTopic, '-K', ':', '-X', 'partitioner=murmur2_random'], {
          input,
          timeoutMs: 60_000,
        }),
      );
    };
    // kcat closes the consumer on exit, which commits the offsets it stored for delivered
    // messages (enable.auto.commit is on by default). `stop` is either `-c N` (exit after N
    // messages) or `-e` (exit once every assigned partition reached its end).
    const consumeInGroup = (...stop: string[]) =>
      run(KCAT, [...base(), '-G', group, ...stop, '-X', 'auto.offset.reset=earliest', '-J', gTopic], {
        timeoutMs: 60_000,
      });

    it('a group consumed by kcat in steps: first run, resume, committed at the end', async (t) => {
      const step = stepper(t);
      await step('consumes every message of a fresh topic and commits on exit', async () => {
        await produce(first);
        const r = await consumeInGroup('-c', String(first.length));
        assertOk('kcat -G (first run)', r);
        const got = parseJsonLines<KcatJsonMessage>(r.stdout);
        assert.deepEqual(asSet(got.map(toMsg)), asSet(first), describeRun('kcat -G', r));

        const admin = kafka.admin();
        await admin.connect();
        try {
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [gTopic] });
          const total = committed.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
          assert.equal(total, first.length, `committed offsets ${JSON.stringify(committed.partitions)}`);
        } finally {
          await admin.disconnect();
        }
      });

      await step('a second run with the same group resumes after the committed offsets', async () => {
        await produce(second);
        // -e rather than -c: proves nothing beyond the new messages is delivered
        const r = await consumeInGroup('-e');
        assertOk('kcat -G (second run)', r);
        const got = parseJsonLines<KcatJsonMessage>(r.stdout);
        assert.deepEqual(asSet(got.map(toMsg)), asSet(second), describeRun('kcat -G resume', r));
      });

      await step('leaves the group committed at the high watermark of every partition', async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [gTopic] });
          const high = await admin.fetchTopicOffsets(gTopic);
          const byPartition = (xs: { partition: number; offset: string }[]) =>
            Object.fromEntries(xs.map((x) => [x.partition, Math.max(0, Number(x.offset))]));
          assert.deepEqual(
            byPartition(committed.partitions),
            byPartition(high.map((h) => ({ partition: h.partition, offset: h.high }))),
          );
        } finally {
          await admin.disconnect();
        }
      });
    });
  });
});
