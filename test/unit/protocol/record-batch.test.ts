import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  BATCH_HEADER_SIZE,
  LOG_OVERHEAD,
  Off,
  batchSizeAt,
  checkBatch,
  decodeRecordBatch,
  encodeRecordBatch,
  readBatchHeader,
  recordsMatchHeader,
  type NewRecord,
} from '../../../src/broker/protocol/record-batch.js';
import { crc32c } from '../../../src/broker/protocol/crc32c.js';

// kafkajs's own batch codec is an independent implementation of the same wire format.
const require = createRequire(import.meta.url);
const { RecordBatch: KjsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (o: any) => Promise<any>;
};
const KjsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: any) => any;
const KjsBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: any) => Promise<any>;
const KjsDecoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => any;
const KjsLong = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };

const T0 = 1_700_000_000_000n;

const sample: NewRecord[] = [
  { key: 'k1', value: 'v1', timestamp: T0 },
  { key: null, value: 'no key', timestamp: T0 + 5n },
  { key: 'tombstone', value: null, timestamp: T0 + 2n },
  {
    key: Buffer.from([0, 1, 2, 255]),
    value: Buffer.from('binary key'),
    timestamp: T0 + 1000n,
    headers: [
      { key: 'trace-id', value: 'abc' },
      { key: 'empty', value: '' },
      { key: 'nothing', value: null },
      { key: 'trace-id', value: 'dup' },
    ],
  },
  { key: 'ünïcødé', value: '✓'.repeat(100), timestamp: T0 - 7n },
];

describe('encodeRecordBatch / decodeRecordBatch', () => {
  it('round-trips keys, null keys, null values, headers and per-record timestamps', () => {
    const buf = encodeRecordBatch(sample, { baseOffset: 100n });
    const { header, records } = decodeRecordBatch(buf);
    assert.equal(header.magic, 2);
    assert.equal(header.baseOffset, 100n);
    assert.equal(header.recordsCount, sample.length);
    assert.equal(header.lastOffsetDelta, sample.length - 1);
    assert.equal(header.baseTimestamp, T0 - 7n, 'base timestamp is the smallest');
    assert.equal(header.maxTimestamp, T0 + 1000n);
    assert.equal(header.batchLength, buf.length - LOG_OVERHEAD);
    assert.equal(header.producerId, -1n);
    assert.equal(header.producerEpoch, -1);
    assert.equal(header.baseSequence, -1);

    assert.equal(records.length, sample.length);
    records.forEach((rec, i) => {
      const want = sample[i];
      assert.equal(rec.offset, 100n + BigInt(i));
      assert.equal(rec.timestamp, BigInt(want.timestamp!));
      const asBuf = (v: Buffer | string | null | undefined) =>
        v === null || v === undefined ? null : Buffer.from(v as string);
      assert.deepEqual(rec.key, asBuf(want.key));
      assert.deepEqual(rec.value, asBuf(want.value));
      assert.deepEqual(
        rec.headers,
        (want.headers ?? []).map((h) => ({ key: h.key, value: asBuf(h.value) })),
      );
    });
    assert.equal(checkBatch(buf, 0, buf.length), null);
  });

  it('distinguishes an empty value from a null value', () => {
    const buf = encodeRecordBatch([{ value: '' }, { value: null }]);
    const { records } = decodeRecordBatch(buf);
    assert.deepEqual(records[0].value, Buffer.alloc(0));
    assert.equal(records[1].value, null);
    assert.equal(records[0].key, null);
  });

  it('writes producer fields and attributes when asked', () => {
    const buf = encodeRecordBatch([{ value: 'x', timestamp: 1 }], {
      producerId: 77n,
      producerEpoch: 3,
      baseSequence: 9,
      attributes: 0x10,
    });
    const h = readBatchHeader(buf);
    assert.equal(h.producerId, 77n);
    assert.equal(h.producerEpoch, 3);
    assert.equal(h.baseSequence, 9);
    assert.equal(h.attributes, 0x10);
    assert.equal(checkBatch(buf, 0, buf.length), null);
  });

  it('stores the CRC-32C of bytes [21, end) at offset 17', () => {
    const buf = encodeRecordBatch(sample);
    assert.equal(buf.readUInt32BE(Off.crc), crc32c(buf.subarray(21)));
    assert.equal(BATCH_HEADER_SIZE, 61);
  });

  it('refuses to encode an empty batch and to decode a compressed one', () => {
    assert.throws(() => encodeRecordBatch([]), { name: 'Error', message: 'a record batch needs at least one record' });
    const buf = encodeRecordBatch([{ value: 'x' }]);
    buf.writeInt16BE(1, Off.attributes); // gzip
    assert.throws(() => decodeRecordBatch(buf), /compressed/);
  });

  it('decodes a batch that sits at a non-zero position in a bigger buffer', () => {
    const a = encodeRecordBatch([{ value: 'first' }], { baseOffset: 0n });
    const b = encodeRecordBatch([{ value: 'second' }, { value: 'third' }], { baseOffset: 1n });
    const log = Buffer.concat([a, b]);
    assert.equal(batchSizeAt(log, 0), a.length);
    assert.equal(batchSizeAt(log, a.length), b.length);
    assert.equal(batchSizeAt(log, log.length), -1);
    assert.equal(batchSizeAt(log, log.length - 11), -1);
    assert.equal(checkBatch(log, a.length, b.length), null);
    const { records } = decodeRecordBatch(log, a.length);
    assert.deepEqual(
      records.map((r) => [r.offset, r.value?.toString()]),
      [
        [1n, 'second'],
        [2n, 'third'],
      ],
    );
  });
});

describe('checkBatch', () => {
  const good = () => encodeRecordBatch(sample, { baseOffset: 5n });

  it('accepts an intact batch', () => {
    const buf = good();
    assert.equal(checkBatch(buf, 0, buf.length), null);
  });

  it('ignores changes to baseOffset and partitionLeaderEpoch (outside the CRC)', () => {
    const buf = good();
    buf.writeBigInt64BE(123456789n, Off.baseOffset);
    buf.writeInt32BE(42, Off.partitionLeaderEpoch);
    assert.equal(checkBatch(buf, 0, buf.length), null);
  });

  it('detects a flipped bit anywhere in the CRC-covered range', () => {
    const base = good();
    for (const at of [Off.attributes, Off.lastOffsetDelta + 3, Off.baseTimestamp, Off.producerId, 70, base.length - 1]) {
      const buf = Buffer.from(base);
      buf[at] ^= 0x04;
      const problem = checkBatch(buf, 0, buf.length);
      // a flipped count field may be caught as bad-count first; either way it is rejected
      assert.ok(problem === 'bad-crc' || problem === 'bad-count', `byte ${at}: ${problem}`);
    }
    const payload = Buffer.from(base);
    payload[base.length - 1] ^= 0xff;
    assert.equal(checkBatch(payload, 0, payload.length), 'bad-crc');
  });

  it('detects a wrong stored CRC', () => {
    const buf = good();
    buf.writeUInt32BE((buf.readUInt32BE(Off.crc) + 1) >>> 0, Off.crc);
    assert.equal(checkBatch(buf, 0, buf.length), 'bad-crc');
  });

  it('detects truncation: size past the buffer end, or smaller than a header', () => {
    const buf = good();
    assert.equal(checkBatch(buf.subarray(0, buf.length - 1), 0, buf.length), 'truncated');
    assert.equal(checkBatch(buf, 0, BATCH_HEADER_SIZE - 1), 'truncated');
    assert.equal(checkBatch(buf, 1, buf.length), 'truncated');
    // a size that is short but still >= header size leaves the CRC wrong
    assert.equal(checkBatch(buf, 0, buf.length - 1), 'bad-crc');
  });

  it('detects a magic byte other than 2', () => {
    for (const magic of [0, 1, 3, -1]) {
      const buf = good();
      buf.writeInt8(magic, Off.magic);
      assert.equal(checkBatch(buf, 0, buf.length), 'bad-magic', `magic ${magic}`);
    }
  });

  it('detects impossible counts', () => {
    const neg = good();
    neg.writeInt32BE(-1, Off.recordsCount);
    assert.equal(checkBatch(neg, 0, neg.length), 'bad-count');
    const delta = good();
    delta.writeInt32BE(-5, Off.lastOffsetDelta);
    assert.equal(checkBatch(delta, 0, delta.length), 'bad-count');
  });
});

describe('recordsMatchHeader', () => {
  // kafkajs lets us build batches whose records disagree with their header, which our own
  // encoder (rightly) never produces.
  const kjsBatch = async (offsetDeltas: number[], lastOffsetDelta: number): Promise<Buffer> => {
    const enc = await KjsRecordBatch({
      firstTimestamp: Number(T0),
      maxTimestamp: Number(T0),
      lastOffsetDelta,
      records: offsetDeltas.map((d, i) =>
        KjsRecord({ offsetDelta: d, timestampDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) }),
      ),
    });
    return enc.buffer as Buffer;
  };

  it('accepts what encodeRecordBatch produces, also inside a larger buffer', () => {
    const a = encodeRecordBatch(sample);
    const b = encodeRecordBatch([{ value: 'x'.repeat(300), headers: [{ key: 'h', value: 'y'.repeat(200) }] }]);
    assert.equal(recordsMatchHeader(a, 0, a.length), true);
    assert.equal(recordsMatchHeader(b, 0, b.length), true);
    const log = Buffer.concat([a, b]);
    assert.equal(recordsMatchHeader(log, a.length, b.length), true);
  });

  it('accepts a well-formed kafkajs batch', async () => {
    const buf = await kjsBatch([0, 1, 2, 3], 3);
    assert.equal(checkBatch(buf, 0, buf.length), null);
    assert.equal(recordsMatchHeader(buf, 0, buf.length), true);
  });

  it('refuses records whose offset deltas are not 0..n-1', async () => {
    const gap = await kjsBatch([0, 2], 1);
    assert.equal(checkBatch(gap, 0, gap.length), null, 'CRC is fine; only the content lies');
    assert.equal(recordsMatchHeader(gap, 0, gap.length), false);
    const swapped = await kjsBatch([1, 0], 1);
    assert.equal(recordsMatchHeader(swapped, 0, swapped.length), false);
  });

  it('refuses a lastOffsetDelta that disagrees with the record count', async () => {
    const buf = await kjsBatch([0, 1, 2], 5);
    assert.equal(checkBatch(buf, 0, buf.length), null);
    assert.equal(recordsMatchHeader(buf, 0, buf.length), false);
  });

  it('refuses a header count larger or smaller than the records present', () => {
    const more = encodeRecordBatch([{ value: 'a' }, { value: 'b' }]);
    more.writeInt32BE(3, Off.recordsCount);
    more.writeInt32BE(2, Off.lastOffsetDelta);
    assert.equal(recordsMatchHeader(more, 0, more.length), false, 'claims 3, holds 2');
    const fewer = encodeRecordBatch([{ value: 'a' }, { value: 'b' }]);
    fewer.writeInt32BE(1, Off.recordsCount);
    fewer.writeInt32BE(0, Off.lastOffsetDelta);
    assert.equal(recordsMatchHeader(fewer, 0, fewer.length), false, 'claims 1, holds 2');
  });

  it('refuses a record running past the end and trailing bytes after the last record', () => {
    const buf = encodeRecordBatch([{ value: 'hello' }, { value: 'world' }]);
    assert.equal(recordsMatchHeader(buf, 0, buf.length - 1), false);
    const padded = Buffer.concat([buf, Buffer.from([0, 0, 0])]);
    assert.equal(recordsMatchHeader(padded, 0, padded.length), false);
    // a record length that is negative or absurdly large
    const neg = Buffer.from(buf);
    neg[BATCH_HEADER_SIZE] = 0x01; // zigzag -1
    assert.equal(recordsMatchHeader(neg, 0, neg.length), false);
    const huge = Buffer.from(buf);
    huge[BATCH_HEADER_SIZE] = 0xfe; // continuation bit set: length becomes large
    assert.equal(recordsMatchHeader(huge, 0, huge.length), false);
  });
});

describe('interop with kafkajs 2.2.4 batch codec', () => {
  it('accepts and decodes a batch encoded by kafkajs', async () => {
    const kRecords = [
      KjsRecord({ offsetDelta: 0, timestampDelta: 0, key: Buffer.from('a'), value: Buffer.from('alpha') }),
      KjsRecord({ offsetDelta: 1, timestampDelta: 10, key: null, value: Buffer.from('beta'), headers: { h: 'x' } }),
      KjsRecord({ offsetDelta: 2, timestampDelta: 20, key: Buffer.from('c'), value: null }),
    ];
    const enc = await KjsRecordBatch({
      firstOffset: KjsLong.fromValue(7),
      firstTimestamp: Number(T0),
      maxTimestamp: Number(T0) + 20,
      lastOffsetDelta: 2,
      records: kRecords,
    });
    const buf: Buffer = enc.buffer;
    assert.equal(batchSizeAt(buf, 0), buf.length);
    assert.equal(checkBatch(buf, 0, buf.length), null);
    const { header, records } = decodeRecordBatch(buf);
    assert.equal(header.baseOffset, 7n);
    assert.equal(header.producerEpoch, 0, 'kafkajs sends epoch 0 when not idempotent');
    assert.deepEqual(
      records.map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null]),
      [
        [7n, T0, 'a', 'alpha'],
        [8n, T0 + 10n, null, 'beta'],
        [9n, T0 + 20n, 'c', null],
      ],
    );
    assert.deepEqual(records[1].headers, [{ key: 'h', value: Buffer.from('x') }]);
  });

  it('produces batches that kafkajs decodes to the same records', async () => {
    const buf = encodeRecordBatch(sample, { baseOffset: 40n });
    const decoded = await KjsBatchDecoder(new KjsDecoder(buf));
    assert.equal(decoded.firstOffset, '40');
    assert.equal(decoded.records.length, sample.length);
    decoded.records.forEach((r: any, i: number) => {
      assert.equal(r.offset, String(40 + i));
      assert.equal(r.timestamp, String(sample[i].timestamp));
      const want = sample[i];
      assert.deepEqual(r.key, want.key === null || want.key === undefined ? null : Buffer.from(want.key as string));
      assert.deepEqual(r.value, want.value === null ? null : Buffer.from(want.value as string));
    });
    assert.deepEqual(
      decoded.records[3].headers['trace-id'].map((b: Buffer) => b.toString()),
      ['abc', 'dup'],
    );
    // kafkajs does not verify CRCs itself, so check ours against its CRC-32C implementation
    const kjsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    assert.equal(buf.readUInt32BE(Off.crc), kjsCrc(buf.subarray(Off.attributes)) >>> 0);
  });
});
