import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecordBatch, encodeRecordBatch } from '../../../src/broker/protocol/record-batch.js';
import { ProtocolError } from '../../../src/broker/protocol/errors.js';
import { Reader } from '../../../src/broker/protocol/reader.js';

describe('bounds of the record batch decoder', () => {
  const batch = encodeRecordBatch([{ key: 'a', value: 'first' }, { key: 'b', value: 'second value' }]);

  it('decodes the whole batch', () => {
    assert.deepEqual(decodeRecordBatch(batch).records.map((r) => r.value?.toString()), ['first', 'second value']);
  });

  for (const cut of [1, 10]) {
    it(`refuses a batch cut short by ${cut} byte(s) instead of returning clamped values`, () => {
      assert.throws(() => decodeRecordBatch(batch.subarray(0, batch.length - cut)), ProtocolError);
    });
  }

  it('refuses a reader window beyond its buffer', () => {
    assert.throws(() => new Reader(Buffer.alloc(4), 0, 8), ProtocolError);
    assert.throws(() => new Reader(Buffer.alloc(4), 5, 4), ProtocolError);
  });
});
