/**
 * Flexible (KIP-482) versions on the wire, with requests built by hand from Apache Kafka's message
 * specs: ApiVersions advertises Kafka 3.9.1's maxima (Kafka 4.4.0's for the KIP-848 APIs 3.9.1
 * does not advertise), flexible requests carry header v2 and get
 * response header v1 (ApiVersions excepted), and topic ids resolve in Metadata v12 and Fetch v13+.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecordBatch } from '../../src/broker/protocol/record-batch.js';
import { Reader } from '../../src/broker/protocol/reader.js';
import { Writer } from '../../src/broker/protocol/writer.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { RawConnection, apiVersionsRequest, requestFrame } from '../helpers/raw-client.js';

/**
 * What Apache Kafka 3.9.1 (KRaft, single node) advertised, read with
 * kafka.admin.BrokerApiVersionsCommand (docs/compatibility.md), for the APIs this broker implements.
 */
const KAFKA_3_9_1_MAX: Record<number, number> = {
  0: 11, 1: 17, 2: 9, 3: 12, 8: 9, 9: 9, 10: 6, 11: 9, 12: 4, 13: 5, 14: 5, 15: 5, 16: 5, 18: 4, 19: 7, 20: 6,
  21: 2, 22: 5, 32: 4, 37: 3, 42: 2, 47: 0,
};
/**
 * APIs Kafka 3.9.1 does not advertise by default, checked against Kafka 4.4.0's maxima instead:
 * ConsumerGroupHeartbeat (68) and ConsumerGroupDescribe (69), "validVersions": "0-1" in the
 * message specs inside kafka-clients-4.4.0.jar (common/message/*.json), all flexible.
 */
const KAFKA_4_4_0_MAX_BEYOND_3_9_1: Record<number, number> = { 68: 1, 69: 1 };
const NULL_UUID = '00000000-0000-0000-0000-000000000000';

describe('flexible versions on the wire', () => {
  let tb: TestBroker;
  let conn: RawConnection;
  let correlation = 100;

  before(async () => {
    tb = await startTestBroker();
    conn = await RawConnection.connect(tb.port);
  });
  after(async () => {
    conn?.destroy();
    await tb?.cleanup();
  });

  /** Sends a flexible request (header v2) and returns the body after response header v1. */
  const flexCall = async (apiKey: number, apiVersion: number, body: Writer): Promise<Reader> => {
    const correlationId = correlation++;
    conn.write(requestFrame({ apiKey, apiVersion, correlationId, flexibleHeader: true }, body.toBuffer()));
    const res = await conn.nextResponse();
    assert.equal(res.correlationId, correlationId);
    assert.equal(res.body.uvarint(), 0, 'response header v1 ends with an empty tagged-field section');
    return res.body;
  };

  it('ApiVersions v4 (response header v0) advertises Kafka 3.9.1 maxima, and 4.4.0 maxima for the KIP-848 APIs', async () => {
    conn.write(apiVersionsRequest(4, 7));
    const res = await conn.nextResponse();
    const r = res.body;
    assert.equal(r.int16(), 0, 'no tagged-field byte before the error code: header v0');
    const apis = r.compactArray((r) => {
      const a = { key: r.int16(), min: r.int16(), max: r.int16() };
      r.skipTaggedFields();
      return a;
    });
    assert.equal(r.int32(), 0);
    r.skipTaggedFields();
    assert.equal(r.remaining, 0);
    assert.deepEqual(Object.fromEntries(apis.map((a) => [a.key, a.max])), { ...KAFKA_3_9_1_MAX, ...KAFKA_4_4_0_MAX_BEYOND_3_9_1 });
  });

  let topicId = '';
  it('Metadata v12 by name auto-creates and returns the topic id; by id finds it again', async () => {
    const byName = new Writer()
      .compactArray(['flex-topic'], (w, name) => w.uuid(NULL_UUID).compactString(name).emptyTaggedFields())
      .boolean(true) // allow auto-creation
      .boolean(false) // topic authorized operations
      .emptyTaggedFields();
    const readTopics = (r: Reader) => {
      r.int32(); // throttle
      r.compactArray((r) => {
        r.int32();
        r.compactString();
        r.int32();
        r.compactNullableString();
        r.skipTaggedFields();
      });
      r.compactNullableString(); // cluster id
      r.int32(); // controller
      const topics = r.compactArray((r) => {
        const t = { error: r.int16(), name: r.compactNullableString(), id: r.uuid(), internal: r.boolean() };
        const partitions = r.compactArray((r) => {
          const p = { error: r.int16(), index: r.int32(), leader: r.int32() };
          r.int32(); // leader epoch
          r.compactArray((r) => r.int32());
          r.compactArray((r) => r.int32());
          r.compactArray((r) => r.int32());
          r.skipTaggedFields();
          return p;
        });
        r.int32(); // authorized operations
        r.skipTaggedFields();
        return { ...t, partitions: partitions.length };
      });
      r.skipTaggedFields();
      assert.equal(r.remaining, 0);
      return topics;
    };
    const [created] = readTopics(await flexCall(3, 12, byName));
    topicId = tb.broker.logs.getTopic('flex-topic')!.id;
    assert.deepEqual(created, { error: 0, name: 'flex-topic', id: topicId, internal: false, partitions: 3 });

    const byId = new Writer()
      .compactArray([topicId, '0123abcd-0000-4000-8000-000000000000'], (w, id) => w.uuid(id).compactNullableString(null).emptyTaggedFields())
      .boolean(false)
      .boolean(false)
      .emptyTaggedFields();
    const [found, unknown] = readTopics(await flexCall(3, 12, byId));
    assert.deepEqual(found, created);
    assert.deepEqual(unknown, { error: 100, name: null, id: '0123abcd-0000-4000-8000-000000000000', internal: false, partitions: 0 });
  });

  it('Fetch v13 names topics by id: a known id reads, an unknown id gets UNKNOWN_TOPIC_ID', async () => {
    const fetchBody = (ids: string[]) =>
      new Writer()
        .int32(-1) // replica id
        .int32(0) // max wait
        .int32(1) // min bytes
        .int32(1 << 20)
        .int8(0)
        .int32(0) // session id
        .int32(-1) // session epoch
        .compactArray(ids, (w, id) =>
          w
            .uuid(id)
            .compactArray([0], (w, p) => w.int32(p).int32(-1).int64(0n).int32(-1).int64(-1n).int32(1 << 20).emptyTaggedFields())
            .emptyTaggedFields(),
        )
        .compactArray([], () => undefined) // forgotten topics
        .compactString('') // rack
        .emptyTaggedFields();
    const unknownId = '0123abcd-0000-4000-8000-000000000001';
    const r = await flexCall(1, 13, fetchBody([topicId, unknownId]));
    assert.deepEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0]);
    const topics = r.compactArray((r) => {
      const id = r.uuid();
      const parts = r.compactArray((r) => {
        const p = { index: r.int32(), error: r.int16(), hw: r.int64() };
        r.int64();
        r.int64();
        r.compactNullableArray((r) => [r.int64(), r.int64()]);
        r.int32();
        r.compactNullableBytes();
        r.skipTaggedFields();
        return p;
      });
      r.skipTaggedFields();
      return { id, parts };
    });
    r.skipTaggedFields();
    assert.equal(r.remaining, 0);
    assert.deepEqual(topics, [
      { id: topicId, parts: [{ index: 0, error: 0, hw: 0n }] },
      { id: unknownId, parts: [{ index: 0, error: 100, hw: -1n }] },
    ]);
  });

  it('Produce v0 stores a record batch v2 as Kafka does, and refuses the old message format', async () => {
    const produce = (records: Buffer) =>
      new Writer()
        .int16(-1) // acks
        .int32(5000)
        .array(['flex-topic'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(records)))
        .toBuffer();
    const read = async (records: Buffer) => {
      const correlationId = correlation++;
      conn.write(requestFrame({ apiKey: 0, apiVersion: 0, correlationId }, produce(records)));
      const r = (await conn.nextResponse()).body;
      const [t] = r.array((r) => ({ name: r.string(), parts: r.array((r) => ({ index: r.int32(), error: r.int16(), base: r.int64() })) }));
      assert.equal(r.remaining, 0, 'v0: no throttle time');
      return t.parts[0];
    };
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('v0'), timestamp: 1n }]);
    const hwBefore = tb.broker.logs.partition('flex-topic', 0)!.highWatermark;
    assert.deepEqual(await read(batch), { index: 0, error: 0, base: hwBefore });
    // A magic 1 message set (offset, size, crc, magic 1, ...): Kafka would convert it; we cannot.
    const v1 = Buffer.alloc(34);
    v1.writeInt32BE(22, 8);
    v1.writeInt8(1, 16);
    assert.deepEqual(await read(v1), { index: 0, error: 43, base: -1n });
    assert.equal(tb.broker.logs.partition('flex-topic', 0)!.highWatermark, hwBefore + 1n);
  });

  it('a flexible request with unknown tagged fields in header and body is still understood', async () => {
    // Heartbeat v4 for a group that does not exist, with a tag in the header and one in the body.
    const correlationId = correlation++;
    const header = new Writer().int16(12).int16(4).int32(correlationId).nullableString('raw');
    header.uvarint(1).uvarint(7).uvarint(2).raw(Buffer.from([1, 2])); // tag 7, 2 bytes
    const body = new Writer().compactString('no-group').int32(1).compactString('m').compactNullableString(null);
    body.uvarint(1).uvarint(9).uvarint(1).raw(Buffer.from([0])); // tag 9, 1 byte
    const payload = Buffer.concat([header.toBuffer(), body.toBuffer()]);
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeInt32BE(payload.length, 0);
    payload.copy(frame, 4);
    conn.write(frame);
    const res = await conn.nextResponse();
    assert.equal(res.correlationId, correlationId);
    assert.equal(res.body.uvarint(), 0);
    assert.deepEqual([res.body.int32(), res.body.int16()], [0, 25]); // UNKNOWN_MEMBER_ID, as Kafka answers for an unknown group
    assert.equal(res.body.uvarint(), 0);
    assert.equal(res.body.remaining, 0);
  });
});
