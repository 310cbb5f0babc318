// Hand-picked bad inputs, one at a time, each with the one answer Kafka itself gives: a usable
// error for ApiVersions negotiation, and a closed connection for anything it cannot parse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c } from '../../../src/broker/protocol/crc32c.js';
import { encodeRecordBatch, Off } from '../../../src/broker/protocol/record-batch.js';
import { Writer } from '../../../src/broker/protocol/writer.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import {
  RawConnection,
  apiVersionsRequest,
  metadataRequest,
  produceRequest,
  readApiVersionsV0,
  readProduceError,
  requestFrame,
} from '../../helpers/raw-client.js';

const UNSUPPORTED_VERSION = 35;
const API_VERSIONS = 18;

let tb: TestBroker;
before(async () => {
  tb = await startTestBroker();
});
after(async () => {
  await tb?.cleanup();
});

async function open(): Promise<RawConnection> {
  return RawConnection.connect(tb.port);
}

/** The connection still answers a plain ApiVersions v0, i.e. the broker kept it usable. */
async function assertUsable(c: RawConnection, correlationId = 4242): Promise<void> {
  c.write(apiVersionsRequest(0, correlationId));
  const res = await c.nextResponse();
  assert.equal(res.correlationId, correlationId);
  assert.equal(readApiVersionsV0(res.body).errorCode, 0);
}

describe('ApiVersions with a version the broker does not know', () => {
  for (const version of [5, 9, 127, 32767]) {
    test(`v${version} gets UNSUPPORTED_VERSION in the v0 layout, and the connection stays usable`, async () => {
      const c = await open();
      try {
        c.write(apiVersionsRequest(version, 77));
        const res = await c.nextResponse();
        assert.equal(res.correlationId, 77);
        const { errorCode, apis } = readApiVersionsV0(res.body);
        assert.equal(errorCode, UNSUPPORTED_VERSION);
        const own = apis.find((a) => a.apiKey === API_VERSIONS);
        assert.ok(own, `the error response must list the ApiVersions range, got ${JSON.stringify(apis)}`);
        assert.equal(own.min, 0);
        assert.ok(own.max >= 2 && own.max < version, `advertised max ${own.max} must let the client retry lower`);
        // v0 layout ends after the array: no throttle field, no tagged fields.
        assert.equal(res.body.remaining, 0, 'v0 layout has nothing after the array');
        // kafkajs retries on the same connection, so it must not be closed.
        await assertUsable(c);
        assert.equal(c.closedByPeer, false);
      } finally {
        c.destroy();
      }
    });
  }

  test('v9 with a garbage body is still answered with UNSUPPORTED_VERSION (the body is not parsed)', async () => {
    const c = await open();
    try {
      const garbage = Buffer.from('00ffffffff7f8081deadbeef', 'hex');
      c.write(requestFrame({ apiKey: API_VERSIONS, apiVersion: 9, correlationId: 5, flexibleHeader: true }, garbage));
      const res = await c.nextResponse();
      assert.equal(res.correlationId, 5);
      assert.equal(readApiVersionsV0(res.body).errorCode, UNSUPPORTED_VERSION);
    } finally {
      c.destroy();
    }
  });

  test('kafkajs-style fallback: v9 fails with 35, then v2 on the same connection succeeds', async () => {
    const c = await open();
    try {
      c.write(apiVersionsRequest(9, 1));
      assert.equal(readApiVersionsV0((await c.nextResponse()).body).errorCode, UNSUPPORTED_VERSION);
      c.write(apiVersionsRequest(2, 2));
      const res = await c.nextResponse();
      assert.equal(res.correlationId, 2);
      const { errorCode, apis } = readApiVersionsV0(res.body);
      assert.equal(errorCode, 0);
      assert.ok(apis.length > 5, 'a successful ApiVersions lists the implemented APIs');
      assert.equal(res.body.int32(), 0, 'v1+ ends with throttle_time_ms');
    } finally {
      c.destroy();
    }
  });
});

describe('requests that cannot be handled close only their own connection', () => {
  const cases: { name: string; frame: () => Buffer }[] = [
    { name: 'unknown API key 999', frame: () => requestFrame({ apiKey: 999, apiVersion: 0, correlationId: 1 }) },
    { name: 'negative API key', frame: () => requestFrame({ apiKey: -1, apiVersion: 0, correlationId: 1 }) },
    {
      name: 'Metadata v100',
      frame: () => requestFrame({ apiKey: 3, apiVersion: 100, correlationId: 1 }, Buffer.from('ffffffff00', 'hex')),
    },
    { name: 'Metadata v-1', frame: () => requestFrame({ apiKey: 3, apiVersion: -1, correlationId: 1 }) },
    {
      // Fetch below v4 returns the pre-v2 message formats, which the broker does not implement.
      name: 'Fetch v3',
      frame: () =>
        requestFrame({ apiKey: 1, apiVersion: 3, correlationId: 1 }, new Writer().int32(-1).int32(0).int32(1).int32(1000).int32(0).toBuffer()),
    },
    {
      name: 'Metadata v1 whose topic array claims more entries than the frame holds',
      frame: () => requestFrame({ apiKey: 3, apiVersion: 1, correlationId: 1 }, new Writer().int32(5).string('a').toBuffer()),
    },
    {
      name: 'Metadata v4 missing its last field',
      frame: () => metadataRequest(4, 1, ['topic-x']).subarray(0, -1),
    },
    {
      name: 'header with a client id longer than the frame',
      frame: () => {
        const f = requestFrame({ apiKey: 3, apiVersion: 1, correlationId: 1, clientId: 'abc' });
        f.writeInt16BE(3000, 12);
        return f;
      },
    },
  ];
  for (const { name, frame } of cases) {
    test(name, async () => {
      const f = frame();
      f.writeInt32BE(f.length - 4, 0); // keep the size honest after any trimming above
      const bad = await open();
      const good = await open();
      try {
        bad.write(f);
        assert.equal(await bad.waitForClose(10_000), true, 'the broker should close the connection');
        assert.equal(bad.takeFrames().length, 0, 'nothing should be answered before closing');
        await assertUsable(good);
      } finally {
        bad.destroy();
        good.destroy();
      }
    });
  }
});

describe('frame sizes', () => {
  for (const size of [-1, -2147483648, 0, 9, 104_857_601, 2147483647]) {
    test(`size ${size} is refused at once, without waiting for a body`, async () => {
      const c = await open();
      try {
        const head = Buffer.alloc(4);
        head.writeInt32BE(size, 0);
        c.write(head);
        assert.equal(await c.waitForClose(10_000), true);
      } finally {
        c.destroy();
      }
    });
  }

  test('a request written one byte at a time is still understood', async () => {
    const c = await open();
    try {
      const frame = apiVersionsRequest(2, 31);
      for (const byte of frame) {
        c.write(Buffer.from([byte]));
        await new Promise((r) => setTimeout(r, 2));
      }
      const res = await c.nextResponse();
      assert.equal(res.correlationId, 31);
      assert.equal(readApiVersionsV0(res.body).errorCode, 0);
    } finally {
      c.destroy();
    }
  });

  test('a frame left half-sent blocks nobody, and is answered once it is completed', async () => {
    const slow = await open();
    const other = await open();
    try {
      const frame = metadataRequest(1, 9, []);
      slow.write(frame.subarray(0, 7));
      await assertUsable(other);
      // A bounded look (300 ms) that the half frame is neither answered nor hung up on; the
      // completed frame's answer below is the positive proof that the connection survived.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(slow.closedByPeer, false, 'an incomplete frame is not an error');
      assert.equal(slow.bytesReceived, 0);
      slow.write(frame.subarray(7));
      const res = await slow.nextResponse();
      assert.equal(res.correlationId, 9);
      assert.deepEqual(slow.takeFrames(), [], 'exactly one answer, to the completed frame');
    } finally {
      slow.destroy();
      other.destroy();
    }
  });

  test('pipelined requests in one write are answered in order', async () => {
    const c = await open();
    try {
      const ids = [11, 3, 700, 12, 5];
      c.write(Buffer.concat(ids.map((id, i) => (i % 2 ? metadataRequest(1, id, []) : apiVersionsRequest(i % 3, id)))));
      const got: number[] = [];
      for (let i = 0; i < ids.length; i++) got.push((await c.nextResponse()).correlationId);
      assert.deepEqual(got, ids);
    } finally {
      c.destroy();
    }
  });
});

describe('record batches that lie about their records', () => {
  /** Re-signs a batch after editing its header, so only the lie remains, not a bad CRC. */
  function resign(batch: Buffer): Buffer {
    batch.writeUInt32BE(crc32c(batch, Off.attributes, batch.length), Off.crc);
    return batch;
  }
  const INVALID_RECORD = 87;
  const CORRUPT_MESSAGE = 2;
  const cases: { name: string; batch: () => Buffer }[] = [
    {
      // Accepting it would hand out 1000 offsets for one record: 999 holes consumers stumble over.
      name: 'a header claiming 1000 records around a single one',
      batch: () => {
        const b = Buffer.from(encodeRecordBatch([{ value: 'only me' }]));
        b.writeInt32BE(999, Off.lastOffsetDelta);
        b.writeInt32BE(1000, Off.recordsCount);
        return resign(b);
      },
    },
    {
      name: 'a header claiming 1 record around three',
      batch: () => {
        const b = Buffer.from(encodeRecordBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }]));
        b.writeInt32BE(0, Off.lastOffsetDelta);
        b.writeInt32BE(1, Off.recordsCount);
        return resign(b);
      },
    },
  ];
  for (const { name, batch } of cases) {
    test(`${name} is refused (as Kafka's LogValidator does), and nothing is appended`, async () => {
      const c = await open();
      try {
        const topic = `liar-${name.length}`;
        // Produce never creates a topic (as on Kafka); Metadata with auto-creation does.
        c.write(metadataRequest(4, 3, [topic]));
        await c.nextResponse();
        c.write(produceRequest(7, 1, topic, 0, batch()));
        const res = readProduceError((await c.nextResponse()).body);
        assert.ok(
          res.errorCode === INVALID_RECORD || res.errorCode === CORRUPT_MESSAGE,
          `expected INVALID_RECORD or CORRUPT_MESSAGE, got error ${res.errorCode} (base offset ${res.baseOffset})`,
        );
        // An honest batch afterwards must start at offset 0: the lie left no trace in the log.
        c.write(produceRequest(7, 2, topic, 0, encodeRecordBatch([{ value: 'honest' }])));
        const ok = readProduceError((await c.nextResponse()).body);
        assert.equal(ok.errorCode, 0);
        assert.equal(ok.baseOffset, 0n);
      } finally {
        c.destroy();
      }
    });
  }
});
