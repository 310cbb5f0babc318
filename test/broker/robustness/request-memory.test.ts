// Issue 8 item 5: connections that hold large half-sent requests. The broker reserves a frame's
// size when its size prefix arrives and stops reading a connection whose next frame does not fit
// in queuedMaxRequestBytes (or in its per-connection share), so what it buffers stays within the
// budget, other clients keep being served, the paused connections continue once memory is
// released, and a closed connection gives everything back. Everything is observed through
// broker.stats(), never through timing or RSS.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecordBatch } from '../../../src/broker/protocol/record-batch.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { waitFor } from '../../helpers/wait.js';
import {
  RawConnection,
  fetchRequest,
  produceRequest,
  readFetchV4,
  readProduceError,
} from '../../helpers/raw-client.js';

const MiB = 1024 * 1024;
const LIMIT = 24 * MiB;
const PER_CONNECTION = 8 * MiB;
const MESSAGE_TOO_LARGE = 10;
const TOPIC = 'memory';

let tb: TestBroker;
before(async () => {
  tb = await startTestBroker({
    maxRequestBytes: 7 * MiB,
    queuedMaxRequestBytes: LIMIT,
    maxConnectionRequestBytes: PER_CONNECTION,
  });
  await tb.broker.logs.createTopic(TOPIC, 2);
});
after(async () => {
  await tb?.cleanup();
});

/** Waits until `cond` holds, checking every 20 ms; fails with `what` and the last stats after 60 s. */
const until = (cond: () => boolean, what: string) => waitFor(() => `${what}; stats: ${JSON.stringify(tb.broker.stats())}`, cond, 60_000, 20);

/** A well-formed Produce v7 whose single batch (about `bytes`) exceeds message.max.bytes. */
function bigProduce(correlationId: number, bytes: number): Buffer {
  return produceRequest(7, correlationId, TOPIC, 0, encodeRecordBatch([{ key: 'big', value: Buffer.alloc(bytes, 7) }]));
}

/** A small produce and a fetch on a fresh connection: the broker still serves an ordinary client. */
async function ordinaryClientIsServed(value: string): Promise<void> {
  const c = await RawConnection.connect(tb.port);
  try {
    c.write(produceRequest(7, 1, TOPIC, 1, encodeRecordBatch([{ key: 'k', value }])));
    const p = readProduceError((await c.nextResponse()).body);
    assert.equal(p.errorCode, 0);
    c.write(fetchRequest(2, TOPIC, 1, p.baseOffset, 0));
    const f = readFetchV4((await c.nextResponse()).body);
    assert.equal(f.errorCode, 0);
    assert.ok(f.records?.includes(Buffer.from(value)), 'the fetched batch holds the value');
  } finally {
    c.destroy();
  }
}

test('ten connections holding 6 MiB half-sent requests: buffering stays within the budget, others are served, all finish, memory goes back to 0', async () => {
  const frame = bigProduce(99, 6 * MiB);
  const size = frame.length - 4;
  const attackers = await Promise.all(Array.from({ length: 10 }, () => RawConnection.connect(tb.port)));
  try {
    // All but the last byte: the same buffer for every socket, so the test itself stays small.
    const head = frame.subarray(0, frame.length - 1);
    for (const a of attackers) a.write(head);
    // Large frames may use 7/8 of the budget (21 MiB): three fit, seven wait with reading paused.
    await until(() => {
      const s = tb.broker.stats();
      return s.connectionsWaitingForMemory === 7 && s.bufferedRequestBytes >= 3 * (size - 1);
    }, 'three frames buffered and seven connections waiting');
    const s = tb.broker.stats();
    assert.ok(s.reservedRequestBytes <= LIMIT, `reserved ${s.reservedRequestBytes}`);
    assert.ok(s.bufferedRequestBytes <= LIMIT, `buffered ${s.bufferedRequestBytes}`);
    assert.equal(s.reservedRequestBytes, 3 * size);

    await ordinaryClientIsServed('served while the budget is taken');
    assert.equal(tb.broker.stats().connectionsWaitingForMemory, 7);

    // Finishing the requests releases memory; the waiting connections are read in turn.
    for (const a of attackers) a.write(frame.subarray(frame.length - 1));
    for (const a of attackers) {
      const res = await a.nextResponse(60_000);
      assert.equal(res.correlationId, 99);
      assert.equal(readProduceError(res.body).errorCode, MESSAGE_TOO_LARGE);
    }
    assert.equal(tb.broker.logs.partition(TOPIC, 0)!.highWatermark, 0n, 'nothing was written');
    await until(() => tb.broker.stats().reservedRequestBytes === 0, 'all reservations released');

    // Half-send again and hang up: what the broker held is given back at once.
    for (const a of attackers) a.write(head);
    await until(() => tb.broker.stats().connectionsWaitingForMemory === 7, 'seven waiting again');
  } finally {
    for (const a of attackers) a.destroy();
  }
  await until(() => {
    const s = tb.broker.stats();
    return s.connections === 0 && s.bufferedRequestBytes === 0 && s.reservedRequestBytes === 0 && s.connectionsWaitingForMemory === 0;
  }, 'nothing held after the connections closed');
  assert.ok(tb.broker.stats().pooledFrameBytes <= 32 * MiB);
  await ordinaryClientIsServed('served after');
});

test('one connection may not hold more than its share: a second large request waits until the first is handled', async () => {
  const c = await RawConnection.connect(tb.port);
  const waker = await RawConnection.connect(tb.port);
  try {
    const start = tb.broker.logs.partition(TOPIC, 1)!.highWatermark;
    // A long-poll holds the connection (and its later requests) until something is produced.
    c.write(fetchRequest(1, TOPIC, 1, start, 60_000));
    c.write(bigProduce(2, 5 * MiB));
    c.write(bigProduce(3, 5 * MiB));
    // 5 MiB queued behind the fetch; another 5 MiB would exceed the 8 MiB share.
    await until(() => tb.broker.stats().connectionsWaitingForMemory === 1, 'the second produce waits for memory');
    const s = tb.broker.stats();
    assert.ok(s.reservedRequestBytes <= PER_CONNECTION, `reserved ${s.reservedRequestBytes}`);
    assert.ok(s.reservedRequestBytes < LIMIT / 2, 'the global budget is not what stops it');

    waker.write(produceRequest(7, 7, TOPIC, 1, encodeRecordBatch([{ key: 'k', value: 'wake' }])));
    assert.equal(readProduceError((await waker.nextResponse()).body).errorCode, 0);
    const answers = [await c.nextResponse(60_000), await c.nextResponse(60_000), await c.nextResponse(60_000)];
    assert.deepEqual(
      answers.map((a) => a.correlationId),
      [1, 2, 3],
    );
    assert.equal(readProduceError(answers[1].body).errorCode, MESSAGE_TOO_LARGE);
    assert.equal(readProduceError(answers[2].body).errorCode, MESSAGE_TOO_LARGE);
    assert.equal(c.closedByPeer, false);
  } finally {
    c.destroy();
    waker.destroy();
  }
  await until(() => tb.broker.stats().reservedRequestBytes === 0 && tb.broker.stats().connections === 0, 'released');
});
