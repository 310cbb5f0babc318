import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { Kafka, logLevel, Partitioners } from 'kafkajs';
import pino from 'pino';
import { ErrorCode } from '../../../src/broker/protocol/errors.js';
import { startBroker } from '../../../src/broker/index.js';
import { batch, decodeAll, openManager, removeDir, tempDir } from './helpers.js';

// kafkajs is CommonJS; this enum is only reachable through the default export under ESM.
const { ConfigResourceTypes } = kafkajs;

const DAY = 86_400_000;
/** Comfortably past a 50 ms segment.ms even with a coarse timer. */
const PAST_50_MS = 120;

function segmentBases(dir: string, topic = 't', p = 0): bigint[] {
  return fs
    .readdirSync(path.join(dir, `${topic}-${p}`))
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => BigInt(f.slice(0, 20)));
}

function activeLogFile(dir: string, topic = 't', p = 0): string {
  const bases = segmentBases(dir, topic, p);
  return path.join(dir, `${topic}-${p}`, `${bases[bases.length - 1].toString().padStart(20, '0')}.log`);
}

test('segment.ms rolls on the first append after the segment aged, and retention can then drop the old one', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir);
  try {
    await mgr.createTopic('t', 1, { 'segment.ms': '50', 'retention.ms': '1000' });
    assert.equal(mgr.topicConfig('t').segmentMs, 50);
    const log = mgr.partition('t', 0)!;
    const tA = Date.now();
    await log.append(batch(3, 'a', tA)); // offsets 0-2
    assert.equal(log.segmentCount, 1);

    await sleep(PAST_50_MS);
    const { baseOffset } = await log.append(batch(2, 'b', Date.now())); // 3-4
    assert.equal(baseOffset, 3n);
    assert.equal(log.segmentCount, 2, 'the aged segment rolled before the write');
    assert.deepEqual(segmentBases(dir), [0n, 3n]);
    assert.deepEqual(
      decodeAll(await log.read(0n, 1 << 20)).records.map((r) => r.value?.toString()),
      ['a-0', 'a-1', 'a-2'],
      'the old segment ends where the roll happened',
    );

    // Not yet older than retention.ms: kept.
    await mgr.enforceRetention(tA + 500);
    assert.deepEqual(segmentBases(dir), [0n, 3n]);
    assert.equal(log.logStartOffset, 0n);

    // Past retention.ms everything is old, but only the rolled segment can go.
    await mgr.enforceRetention(Date.now() + 5000);
    assert.deepEqual(segmentBases(dir), [3n]);
    assert.equal(log.logStartOffset, 3n);
    assert.equal(log.highWatermark, 5n);
    assert.deepEqual(
      decodeAll(await log.read(3n, 1 << 20)).records.map((r) => r.value?.toString()),
      ['b-0', 'b-1'],
    );
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});

test('segment age is measured on the broker clock: data stamped long ago does not roll on every append', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir);
  try {
    await mgr.createTopic('t', 1);
    assert.equal(mgr.topicConfig('t').segmentMs, 604_800_000);
    const log = mgr.partition('t', 0)!;
    const old = Date.now() - 30 * DAY;
    for (let i = 0; i < 10; i++) await log.append(batch(1, `old${i}`, old + i));
    assert.equal(log.segmentCount, 1);
    assert.equal(log.highWatermark, 10n);
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});

test('segment age survives a restart', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1, { 'segment.ms': '50' });
    await ctx.mgr.partition('t', 0)!.append(batch(2, 'before'));
    await ctx.mgr.close();

    await sleep(PAST_50_MS);
    ctx = await openManager(dir);
    try {
      assert.equal(ctx.mgr.topicConfig('t').segmentMs, 50, 'the topic config is persisted');
      const log = ctx.mgr.partition('t', 0)!;
      assert.equal(log.segmentCount, 1);
      // An implementation that started the clock at open (or at this append) would not roll here.
      assert.equal((await log.append(batch(1, 'after'))).baseOffset, 2n);
      assert.equal(log.segmentCount, 2);
      assert.deepEqual(segmentBases(dir), [0n, 2n]);
    } finally {
      await ctx.mgr.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('after a restart a first batch stamped in the future is capped by the file time', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1, { 'segment.ms': '50' });
    await ctx.mgr.partition('t', 0)!.append(batch(1, 'future', Date.now() + 10 * DAY));
    await ctx.mgr.close();
    // As if the last write had happened 10 s ago, without waiting for it.
    const past = new Date(Date.now() - 10_000);
    fs.utimesSync(activeLogFile(dir), past, past);

    ctx = await openManager(dir);
    try {
      const log = ctx.mgr.partition('t', 0)!;
      await log.append(batch(1, 'now'));
      assert.equal(log.segmentCount, 2, 'a producer clock ahead of ours does not keep the segment open');
    } finally {
      await ctx.mgr.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('after a restart a first batch stamped long ago rolls once, then the new segment counts from its first append', async () => {
  const dir = tempDir();
  try {
    let ctx = await openManager(dir);
    await ctx.mgr.createTopic('t', 1);
    const old = Date.now() - 30 * DAY;
    await ctx.mgr.partition('t', 0)!.append(batch(1, 'old', old));
    await ctx.mgr.close();

    ctx = await openManager(dir);
    try {
      const log = ctx.mgr.partition('t', 0)!;
      await log.append(batch(1, 'old', old + 1));
      assert.equal(log.segmentCount, 2, 'the recovered age comes from the first batch timestamp');
      for (let i = 0; i < 5; i++) await log.append(batch(1, 'old', old + 2 + i));
      assert.equal(log.segmentCount, 2);
      assert.deepEqual(segmentBases(dir), [0n, 1n]);
    } finally {
      await ctx.mgr.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('segment.ms is validated, and the manager default applies to topics without it', async () => {
  const dir = tempDir();
  const { mgr } = await openManager(dir, { segmentMs: 3_600_000 });
  try {
    for (const value of ['0', '-1', 'soon', '1.5']) {
      await assert.rejects(mgr.createTopic('bad', 1, { 'segment.ms': value }), { errorCode: ErrorCode.INVALID_CONFIG }, value);
    }
    await mgr.createTopic('plain', 1);
    await mgr.createTopic('tuned', 1, { 'segment.ms': '1' });
    assert.equal(mgr.topicConfig('plain').segmentMs, 3_600_000);
    assert.equal(mgr.topicConfig('tuned').segmentMs, 1);
    assert.deepEqual(mgr.getTopic('tuned')?.configs, { 'segment.ms': '1' });
    assert.deepEqual(
      mgr.listTopics().map((t) => t.name),
      ['plain', 'tuned'],
    );
  } finally {
    await mgr.close();
    removeDir(dir);
  }
});

test('over the wire: CreateTopics accepts segment.ms, DescribeConfigs reports it, and produce rolls by time', async () => {
  const dataDir = tempDir();
  const broker = await startBroker({ port: 0, dataDir, segmentMs: 3_600_000, logger: pino({ level: 'silent' }) });
  const kafka = new Kafka({
    clientId: 'segment-ms-test',
    brokers: [broker.address],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await admin.connect();
    await producer.connect();
    await admin.createTopics({
      topics: [
        { topic: 'fast', numPartitions: 1, configEntries: [{ name: 'segment.ms', value: '50' }] },
        { topic: 'plain', numPartitions: 1 },
      ],
    });
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'zero', configEntries: [{ name: 'segment.ms', value: '0' }] }] }),
      (err: unknown) => {
        const e = err as { type?: string; errors?: { type?: string }[] };
        return e.type === 'INVALID_CONFIG' || (e.errors ?? []).some((inner) => inner.type === 'INVALID_CONFIG');
      },
    );

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: 'fast' },
        { type: ConfigResourceTypes.TOPIC, name: 'plain' },
      ],
    });
    const segmentMs = (name: string) => {
      const resource = described.resources.find((r) => r.resourceName === name);
      return resource?.configEntries.find((e) => e.configName === 'segment.ms');
    };
    assert.equal(segmentMs('fast')?.configValue, '50');
    assert.equal(segmentMs('fast')?.isDefault, false);
    assert.equal(segmentMs('plain')?.configValue, '3600000', 'the broker-level default is passed to storage');
    assert.equal(segmentMs('plain')?.isDefault, true);

    await producer.send({ topic: 'fast', messages: [{ partition: 0, value: 'one' }] });
    await producer.send({ topic: 'plain', messages: [{ partition: 0, value: 'one' }] });
    await sleep(PAST_50_MS);
    await producer.send({ topic: 'fast', messages: [{ partition: 0, value: 'two' }] });
    await producer.send({ topic: 'plain', messages: [{ partition: 0, value: 'two' }] });
    assert.deepEqual(segmentBases(dataDir, 'fast'), [0n, 1n]);
    assert.deepEqual(segmentBases(dataDir, 'plain'), [0n]);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await broker.close();
    removeDir(dataDir);
  }
});
