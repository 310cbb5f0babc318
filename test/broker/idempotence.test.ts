/**
 * Idempotent producers over the wire: a retried batch (same producer id, epoch and sequence) is
 * acknowledged with its original offset and not written twice; gaps and fenced epochs are refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecordBatch } from '../../src/broker/protocol/record-batch.js';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { Writer } from '../../src/broker/protocol/writer.js';
import { RawConnection, metadataRequest, produceRequest, readProduceError, requestFrame } from '../helpers/raw-client.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { readTopic, testKafka } from '../helpers/kafka.js';

describe('idempotent produce', () => {
  let tb: TestBroker;
  let conn: RawConnection;
  let correlation = 1;
  before(async () => {
    tb = await startTestBroker();
    conn = await RawConnection.connect(tb.port);
    // Produce never creates a topic (as on Kafka); a Metadata request with auto-creation does.
    conn.write(metadataRequest(4, correlation++, ['idem']));
    await conn.nextResponse();
  });
  after(async () => {
    conn.destroy();
    await tb.cleanup();
  });

  async function initProducerId(): Promise<{ errorCode: number; producerId: bigint; epoch: number }> {
    const body = new Writer(16).nullableString(null).int32(60_000).toBuffer();
    conn.write(requestFrame({ apiKey: 22, apiVersion: 1, correlationId: correlation++ }, body));
    const res = await conn.nextResponse();
    res.body.int32(); // throttle
    return { errorCode: res.body.int16(), producerId: res.body.int64(), epoch: res.body.int16() };
  }

  async function produce(producerId: bigint, epoch: number, seq: number, values: string[]) {
    const batch = encodeRecordBatch(values.map((value) => ({ value })), { producerId, producerEpoch: epoch, baseSequence: seq });
    conn.write(produceRequest(7, correlation++, 'idem', 0, batch));
    return readProduceError((await conn.nextResponse()).body);
  }

  it('writes a retried batch once and acknowledges the retry with the original offset', async () => {
    const { errorCode, producerId, epoch } = await initProducerId();
    assert.equal(errorCode, ErrorCode.NONE);
    assert.ok(producerId >= 0n);

    const first = await produce(producerId, epoch, 0, ['a', 'b']);
    assert.equal(first.errorCode, ErrorCode.NONE);
    const retry = await produce(producerId, epoch, 0, ['a', 'b']);
    assert.deepEqual([retry.errorCode, retry.baseOffset], [ErrorCode.NONE, first.baseOffset]);
    const next = await produce(producerId, epoch, 2, ['c']);
    assert.deepEqual([next.errorCode, next.baseOffset], [ErrorCode.NONE, first.baseOffset + 2n]);

    assert.equal((await produce(producerId, epoch, 9, ['gap'])).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produce(producerId, epoch - 1, 3, ['old'])).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);

    const kafka = testKafka(tb.brokers);
    const contents = await readTopic(kafka, 'idem');
    const values = (contents.partitions.get(0) ?? []).map((m) => m.value);
    assert.deepEqual(values, ['a', 'b', 'c']);
  });

  it('refuses a transactional InitProducerId instead of pretending to support transactions', async () => {
    const body = new Writer(16).nullableString('tx-1').int32(60_000).toBuffer();
    conn.write(requestFrame({ apiKey: 22, apiVersion: 1, correlationId: correlation++ }, body));
    const res = await conn.nextResponse();
    res.body.int32();
    assert.notEqual(res.body.int16(), ErrorCode.NONE);
  });
});
