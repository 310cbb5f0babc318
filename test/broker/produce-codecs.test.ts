// Produce with a compression attribute that names no codec, or ZStandard on a Produce version
// that predates it. Everything is checked on the wire (Produce answers, Fetch high watermarks),
// so the same file runs against Apache Kafka: TEST_KAFKA=apache (npm run test:apache).
// The expected codes are what Apache Kafka 3.9.1 answers (see docs/compatibility.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeRecordBatch } from '../../src/broker/protocol/record-batch.js';
import { Writer } from '../../src/broker/protocol/writer.js';
import { startSuiteKafka, type SuiteKafka } from '../helpers/suite-kafka.js';
import {
  RawConnection,
  fetchRequest,
  metadataRequest,
  produceRequest,
  readFetchV4,
  readProduceError,
  requestFrame,
} from '../helpers/raw-client.js';

const NONE = 0;
const UNKNOWN_SERVER_ERROR = -1;
const UNSUPPORTED_COMPRESSION_TYPE = 76;
const ZSTD = 4;
const PARTITIONS = 3;

let kafka: SuiteKafka;
let host = '127.0.0.1';
let port = 0;
// Apache Kafka is shared by the files of a run: unique topic names.
const topic = (base: string) => `${base}-${randomBytes(3).toString('hex')}`;

before(async () => {
  kafka = await startSuiteKafka();
  host = kafka.address.slice(0, kafka.address.lastIndexOf(':'));
  port = Number(kafka.address.slice(kafka.address.lastIndexOf(':') + 1));
});
after(async () => {
  await kafka?.cleanup();
});

/** CreateTopics v1 for one topic, then Metadata until every partition has a leader (Kafka elects them asynchronously). */
async function createTopic(c: RawConnection, name: string): Promise<void> {
  const w = new Writer(64);
  w.int32(1).string(name).int32(PARTITIONS).int16(1).int32(0).int32(0);
  w.int32(30_000).boolean(false);
  c.write(requestFrame({ apiKey: 19, apiVersion: 1, correlationId: 1 }, w.toBuffer()));
  const res = await c.nextResponse();
  res.body.int32();
  assert.equal(res.body.string(), name);
  assert.equal(res.body.int16(), NONE, 'CreateTopics');
  for (let attempt = 0; ; attempt++) {
    c.write(metadataRequest(1, 2, [name]));
    const m = (await c.nextResponse()).body;
    m.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]); // brokers: id, host, port, rack
    m.int32(); // controller id
    const [t] = m.array((r) => ({
      error: r.int16(),
      name: r.string(),
      internal: r.boolean(),
      leaders: r.array((p) => {
        p.int16();
        p.int32();
        const leader = p.int32();
        p.array((x) => x.int32());
        p.array((x) => x.int32());
        return leader;
      }),
    }));
    let ready = t.error === NONE && t.leaders.length === PARTITIONS && t.leaders.every((l) => l >= 0);
    // Kafka's partitions answer NOT_LEADER_OR_FOLLOWER for a moment after Metadata names a leader.
    for (let p = 0; ready && p < PARTITIONS; p++) {
      c.write(fetchRequest(4, name, p, 0n, 0));
      if (readFetchV4((await c.nextResponse()).body).errorCode !== NONE) ready = false;
    }
    if (ready) return;
    // Bounded: leader election on a single node takes well under a second.
    if (attempt > 200) assert.fail(`topic ${name} is not ready: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function highWatermark(c: RawConnection, name: string, partition: number): Promise<bigint> {
  c.write(fetchRequest(3, name, partition, 0n, 0));
  const f = readFetchV4((await c.nextResponse()).body);
  assert.equal(f.errorCode, NONE);
  return f.highWatermark;
}

function batch(value: string, codec = 0): Buffer {
  return encodeRecordBatch([{ key: 'k', value }], { attributes: codec });
}

async function produce(c: RawConnection, version: number, name: string, partition: number, b: Buffer) {
  c.write(produceRequest(version, 10, name, partition, b));
  const res = await c.nextResponse();
  assert.equal(res.correlationId, 10);
  return readProduceError(res.body);
}

describe('Produce with an unknown or unsupported compression codec', () => {
  for (const version of [3, 7]) {
    test(`v${version}: codec ids 5, 6 and 7 are refused with UNKNOWN_SERVER_ERROR, nothing is written, the connection keeps serving`, async () => {
      const c = await RawConnection.connect(port, host);
      try {
        const name = topic('codec-unknown');
        await createTopic(c, name);
        assert.equal((await produce(c, version, name, 0, batch('before'))).errorCode, NONE);
        for (const codec of [5, 6, 7]) {
          const r = await produce(c, version, name, 0, batch(`codec ${codec}`, codec));
          assert.deepEqual({ errorCode: r.errorCode, baseOffset: r.baseOffset }, { errorCode: UNKNOWN_SERVER_ERROR, baseOffset: -1n }, `codec ${codec}`);
        }
        assert.equal(await highWatermark(c, name, 0), 1n, 'only the good batch is in the log');
        const next = await produce(c, version, name, 0, batch('after'));
        assert.deepEqual({ errorCode: next.errorCode, baseOffset: next.baseOffset }, { errorCode: NONE, baseOffset: 1n });
        assert.equal(c.closedByPeer, false);
      } finally {
        c.destroy();
      }
    });
  }

  test('ZStandard needs Produce v7: UNSUPPORTED_COMPRESSION_TYPE on v3-v6, nothing written', async () => {
    const c = await RawConnection.connect(port, host);
    try {
      const name = topic('codec-zstd');
      await createTopic(c, name);
      for (const version of [3, 4, 5, 6]) {
        const r = await produce(c, version, name, 1, batch('zstd', ZSTD));
        assert.equal(r.errorCode, UNSUPPORTED_COMPRESSION_TYPE, `v${version}`);
      }
      assert.equal(await highWatermark(c, name, 1), 0n);
      assert.equal((await produce(c, 7, name, 1, batch('plain'))).errorCode, NONE);
      assert.equal(c.closedByPeer, false);
    } finally {
      c.destroy();
    }
  });

  test('one request, two partitions: the good one is written, only the bad one is refused', async () => {
    const c = await RawConnection.connect(port, host);
    try {
      const name = topic('codec-mixed');
      await createTopic(c, name);
      const w = new Writer(256);
      w.nullableString(null).int16(-1).int32(30_000);
      w.int32(1).string(name).int32(2);
      w.int32(0).bytes(batch('good'));
      w.int32(1).bytes(batch('bad', 5));
      c.write(requestFrame({ apiKey: 0, apiVersion: 7, correlationId: 20 }, w.toBuffer()));
      const body = (await c.nextResponse()).body;
      body.int32();
      assert.equal(body.string(), name);
      const parts = body.array((r) => {
        const p = { partition: r.int32(), errorCode: r.int16(), baseOffset: r.int64() };
        r.int64();
        r.int64();
        return p;
      });
      parts.sort((a, b) => a.partition - b.partition);
      assert.deepEqual(parts, [
        { partition: 0, errorCode: NONE, baseOffset: 0n },
        { partition: 1, errorCode: UNKNOWN_SERVER_ERROR, baseOffset: -1n },
      ]);
      assert.equal(await highWatermark(c, name, 0), 1n);
      assert.equal(await highWatermark(c, name, 1), 0n);
    } finally {
      c.destroy();
    }
  });

  test('acks=0: the broker hangs up (the producer gets no response to learn from), writes nothing, and serves new connections', async () => {
    const c = await RawConnection.connect(port, host);
    const name = topic('codec-acks0');
    try {
      await createTopic(c, name);
      c.write(produceRequest(7, 30, name, 2, batch('bad', 6), 0));
      c.write(metadataRequest(1, 31, [name]));
      assert.equal(await c.waitForClose(), true, 'connection closed');
      assert.equal(c.takeFrames().length, 0, 'no response, not even to the request behind it');
    } finally {
      c.destroy();
    }
    const d = await RawConnection.connect(port, host);
    try {
      assert.equal(await highWatermark(d, name, 2), 0n);
      // A good acks=0 produce is not answered and keeps the connection open.
      d.write(produceRequest(7, 32, name, 2, batch('good'), 0));
      assert.equal(await highWatermark(d, name, 2), 1n);
      assert.equal(d.closedByPeer, false);
    } finally {
      d.destroy();
    }
  });
});
