/**
 * Transactions are not implemented, and a transactional producer must learn that at once instead of
 * retrying for seconds. The transaction-coordinator lookup (FindCoordinator key type 1) is answered
 * with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), the non-retriable error Kafka gives a client that
 * may not use transactional ids; see docs/compatibility.md for why this code and not another.
 * "At once" is asserted without clocks: the broker must see exactly one lookup per client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { KCAT, describeRun, run, startCompatBroker, uniqueName, type CompatBroker } from './helpers.js';
import { runJava } from './java.js';

const lookups = (b: CompatBroker) =>
  Object.entries(b.broker.requestsSeen())
    .filter(([k]) => k.startsWith('FindCoordinator '))
    .reduce((n, [, c]) => n + c, 0);

describe('transactional producers are refused at once', { timeout: 300_000 }, () => {
  let b: CompatBroker;
  before(async () => {
    b = await startCompatBroker();
  });
  after(async () => {
    await b?.close();
  });

  it('kcat -X transactional.id: init_transactions() fails with the broker reason, nothing written', async () => {
    const before = lookups(b);
    const topic = uniqueName('txn-kcat');
    const r = await run(KCAT, ['-b', b.address, '-P', '-t', topic, '-X', `transactional.id=${uniqueName('kcat-txn')}`], {
      input: 'never written\n',
      timeoutMs: 60_000,
    });
    assert.equal(r.timedOut, false, describeRun('kcat', r));
    assert.notEqual(r.code, 0, describeRun('kcat must fail', r));
    assert.match(r.stderr, /init_transactions\(\).*Transactional Id authorization failed: transactions are not supported by this broker/);
    assert.equal(lookups(b) - before, 1, 'librdkafka gave up after the first coordinator lookup');
    assert.equal(b.broker.logs.getTopic(topic), undefined);
  });

  it('kafkajs transactional producer: a non-retriable error from the first lookup', async () => {
    const before = lookups(b);
    const kafka = new Kafka({ brokers: [b.address], logLevel: logLevel.NOTHING, clientId: 'txn-kafkajs' });
    const producer = kafka.producer({ transactionalId: uniqueName('kjs-txn'), idempotent: true, maxInFlightRequests: 1 });
    try {
      await assert.rejects(
        (async () => {
          await producer.connect();
          await producer.transaction();
        })(),
        (err: Error & { retriable?: boolean }) => {
          // kafkajs wraps the coordinator error (TRANSACTIONAL_ID_AUTHORIZATION_FAILED, not retriable)
          // in its own "not found"; what matters is that nothing is retried.
          assert.equal(err.name, 'KafkaJSGroupCoordinatorNotFound');
          assert.equal(err.retriable, false);
          return true;
        },
      );
    } finally {
      await producer.disconnect();
    }
    assert.equal(lookups(b) - before, 1, 'kafkajs gave up after the first coordinator lookup');
  });

  it('Java KafkaProducer.initTransactions(): TransactionalIdAuthorizationException', async () => {
    const before = lookups(b);
    const r = await runJava(['txn', b.address, uniqueName('txn-java'), 'unused', '0']);
    assert.equal(r.code, 0, describeRun('java txn', r));
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { error: string | null };
    assert.equal(out.error, 'org.apache.kafka.common.errors.TransactionalIdAuthorizationException');
    assert.equal(lookups(b) - before, 1, 'the Java client gave up after the first coordinator lookup');
  });
});
