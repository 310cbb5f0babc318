// Many clients parked in Fetch long-polls at once (a demo page with a dozen live consumers) must
// all be woken by one append, and must not make the broker process print leak warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, removeDir, spawnBrokerProcess, type BrokerProcess } from '../../helpers/broker.js';
import { testKafka } from '../../helpers/kafka.js';
import { RawConnection, fetchRequest, readFetchV4 } from '../../helpers/raw-client.js';

const PARKED = 25;
const TOPIC = 'live';

test(`${PARKED} parked fetches are all woken by one append, without warnings`, async (t) => {
  const dataDir = tempDir('long-polls-');
  let broker: BrokerProcess | undefined;
  const conns: RawConnection[] = [];
  t.after(async () => {
    for (const c of conns) c.destroy();
    await broker?.stop('SIGKILL');
    removeDir(dataDir);
  });
  broker = await spawnBrokerProcess({ dataDir });
  const kafka = testKafka(broker.brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  await admin.disconnect();

  for (let i = 0; i < PARKED; i++) {
    const c = await RawConnection.connect(broker.port);
    conns.push(c);
    c.write(fetchRequest(i, TOPIC, 0, 0n, 20_000));
  }
  // A bounded look: for 500 ms no fetch returned without data. (That they were all parked, rather
  // than some not read yet, is not provable from outside; a late one is answered with the data.)
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(conns.filter((c) => c.bytesReceived > 0).length, 0, 'no fetch may return before there is data');

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'wake up' }] });
  await producer.disconnect();

  for (const [i, c] of conns.entries()) {
    const res = await c.nextResponse(15_000);
    assert.equal(res.correlationId, i);
    const { errorCode, highWatermark, records } = readFetchV4(res.body);
    assert.equal(errorCode, 0);
    assert.equal(highWatermark, 1n);
    assert.ok(records && records.length > 0, `fetch ${i} should carry the new batch`);
    assert.ok(records.includes(Buffer.from('wake up')));
  }

  const stop = await broker.stop('SIGTERM');
  assert.equal(stop.code, 0);
  assert.doesNotMatch(broker.stderr(), /MaxListenersExceededWarning|memory leak/, 'the broker printed a leak warning');
});
