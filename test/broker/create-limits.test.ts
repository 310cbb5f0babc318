// CreateTopics / CreatePartitions refused for exceeding a partition limit: POLICY_VIOLATION (44)
// with the reason in errorMessage, checked before anything is created, validateOnly included.
// The per-request cap is compared with Apache Kafka (TEST_KAFKA=apache, npm run test:apache);
// the broker-wide maxPartitions budget is the embedded broker's own setting.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Writer } from '../../src/broker/protocol/writer.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { startSuiteKafka, type SuiteKafka } from '../helpers/suite-kafka.js';
import { testKafka } from '../helpers/kafka.js';
import { RawConnection, requestFrame } from '../helpers/raw-client.js';

const POLICY_VIOLATION = 44;

async function createTopics(port: number, host: string, version: number, name: string, partitions: number, validateOnly: boolean) {
  const c = await RawConnection.connect(port, host);
  try {
    const w = new Writer(64);
    w.int32(1).string(name).int32(partitions).int16(-1).int32(0).int32(0);
    w.int32(30_000);
    if (version >= 1) w.boolean(validateOnly);
    c.write(requestFrame({ apiKey: 19, apiVersion: version, correlationId: 9 }, w.toBuffer()));
    const r = (await c.nextResponse(60_000)).body;
    if (version >= 2) r.int32();
    const [t] = r.array((x) => ({ name: x.string(), errorCode: x.int16(), errorMessage: version >= 1 ? x.nullableString() : undefined }));
    return t;
  } finally {
    c.destroy();
  }
}

async function createPartitions(port: number, name: string, count: number, validateOnly: boolean) {
  const c = await RawConnection.connect(port);
  try {
    const w = new Writer(64);
    w.int32(1).string(name).int32(count).int32(-1);
    w.int32(30_000).boolean(validateOnly);
    c.write(requestFrame({ apiKey: 37, apiVersion: 1, correlationId: 9 }, w.toBuffer()));
    const r = (await c.nextResponse(60_000)).body;
    r.int32();
    const [t] = r.array((x) => ({ name: x.string(), errorCode: x.int16(), errorMessage: x.nullableString() }));
    return t;
  } finally {
    c.destroy();
  }
}

describe('a create over the per-request partition cap (either broker)', () => {
  let kafka: SuiteKafka | undefined;
  let host = '127.0.0.1';
  let port = 0;
  before(async () => {
    kafka = await startSuiteKafka();
    host = kafka.address.slice(0, kafka.address.lastIndexOf(':'));
    port = Number(kafka.address.slice(kafka.address.lastIndexOf(':') + 1));
  });
  after(async () => {
    await kafka?.cleanup();
  });

  for (const validateOnly of [true, false]) {
    test(`10,001 partitions${validateOnly ? ' (validateOnly)' : ''}: POLICY_VIOLATION with a message, nothing created`, async () => {
      const name = `huge-${randomBytes(3).toString('hex')}`;
      const t = await createTopics(port, host, 1, name, 10_001, validateOnly);
      assert.equal(t.name, name);
      assert.equal(t.errorCode, POLICY_VIOLATION);
      assert.match(t.errorMessage ?? '', /partitions/i);
      const admin = testKafka(kafka!.brokers).admin();
      await admin.connect();
      try {
        assert.ok(!(await admin.listTopics()).includes(name), 'nothing was created');
      } finally {
        await admin.disconnect();
      }
    });
  }
});

describe('the broker-wide maxPartitions budget (embedded broker)', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startTestBroker({ maxPartitions: 10 });
  });
  after(async () => {
    await tb?.cleanup();
  });
  const dirsOf = (topic: string) => fs.readdirSync(tb.dataDir).filter((d) => d.startsWith(`${topic}-`));

  test('CreateTopics beyond it: POLICY_VIOLATION saying why (v0 has no message field), validateOnly too; nothing on disk', async () => {
    assert.equal((await createTopics(tb.port, '127.0.0.1', 4, 'first', 6, false)).errorCode, 0);
    for (const validateOnly of [true, false]) {
      const t = await createTopics(tb.port, '127.0.0.1', 4, 'second', 5, validateOnly);
      assert.equal(t.errorCode, POLICY_VIOLATION);
      assert.equal(t.errorMessage, 'this broker serves at most 10 partitions over all topics (maxPartitions) and has 6; 5 more would make 11');
    }
    const v0 = await createTopics(tb.port, '127.0.0.1', 0, 'second', 5, false);
    assert.deepEqual(v0, { name: 'second', errorCode: POLICY_VIOLATION, errorMessage: undefined });
    assert.deepEqual(dirsOf('second'), []);
    assert.equal(tb.broker.stats().partitions, 6);
    assert.equal((await createTopics(tb.port, '127.0.0.1', 4, 'second', 4, false)).errorCode, 0);
  });

  test('CreatePartitions beyond it: POLICY_VIOLATION with the message, validateOnly too; the topic keeps its partitions', async () => {
    await tb.broker.logs.deleteTopic('second');
    for (const validateOnly of [true, false]) {
      const t = await createPartitions(tb.port, 'first', 11, validateOnly);
      assert.equal(t.errorCode, POLICY_VIOLATION);
      assert.match(t.errorMessage ?? '', /at most 10 partitions .* has 6; 5 more would make 11/);
    }
    assert.equal(tb.broker.logs.getTopic('first')!.partitions, 6);
    assert.equal(dirsOf('first').length, 6);
    assert.equal((await createPartitions(tb.port, 'first', 10, false)).errorCode, 0);
    assert.equal(dirsOf('first').length, 10);
    assert.deepEqual(tb.broker.stats().partitions, 10);
  });
});
