import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaSecurity, probeTls, type SecuritySettings } from '../../../src/kafka/gateway/index.js';

const none: SecuritySettings = {
  sasl: { mechanism: 'none', username: '', password: '' },
  ssl: { enabled: false, caFile: '', rejectUnauthorized: true },
};
const noRead = (f: string): string => assert.fail(`no file should be read, got ${f}`);

test('nothing configured: plain TCP without SASL', () => {
  assert.deepEqual(kafkaSecurity(none, noRead), {});
  assert.equal(probeTls(kafkaSecurity(none, noRead)), undefined);
});

test('each SASL mechanism maps to kafkajs with its credentials', () => {
  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    const s = kafkaSecurity({ ...none, sasl: { mechanism, username: 'app', password: 'pw' } }, noRead);
    assert.deepEqual(s, { sasl: { mechanism, username: 'app', password: 'pw' } });
  }
});

test('TLS: `true` with Node defaults; a CA file is read into `ca`; verification can be turned off', () => {
  const plainTls = kafkaSecurity({ ...none, ssl: { enabled: true, caFile: '', rejectUnauthorized: true } }, noRead);
  assert.deepEqual(plainTls, { ssl: true });
  assert.deepEqual(probeTls(plainTls), {});

  const read: string[] = [];
  const withCa = kafkaSecurity(
    { sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' }, ssl: { enabled: true, caFile: '/etc/kafka/ca.pem', rejectUnauthorized: true } },
    (f) => {
      read.push(f);
      return 'PEM DATA';
    },
  );
  assert.deepEqual(read, ['/etc/kafka/ca.pem']);
  assert.deepEqual(withCa, { ssl: { rejectUnauthorized: true, ca: ['PEM DATA'] }, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } });
  assert.deepEqual(probeTls(withCa), { rejectUnauthorized: true, ca: ['PEM DATA'] });

  assert.deepEqual(kafkaSecurity({ ...none, ssl: { enabled: true, caFile: '', rejectUnauthorized: false } }, noRead), { ssl: { rejectUnauthorized: false } });
});

test('a CA file that cannot be read fails loudly', () => {
  assert.throws(
    () => kafkaSecurity({ ...none, ssl: { enabled: true, caFile: '/definitely/not/here.pem', rejectUnauthorized: true } }),
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
});
