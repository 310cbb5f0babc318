/**
 * docker-compose.yml's kafka service and `npm run kafka` (scripts/lib/apache-kafka.ts) run Kafka
 * with the same broker settings and the same version. Settings that only say where this one node
 * lives (node id, listeners, quorum voters, log dirs, cluster id) differ by nature and are left out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_KAFKA_VERSION, POM, ROOT, sharedBrokerSettings } from '../../../scripts/lib/apache-kafka.js';

const compose = parseYaml(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: { kafka: { image: string; environment: Record<string, string | number | boolean> } };
};

/** Where this node lives, not how Kafka behaves. */
const PLACEMENT = new Set([
  'node.id',
  'listeners',
  'advertised.listeners',
  'listener.security.protocol.map',
  'controller.quorum.voters',
  'log.dirs',
]);

/** The apache/kafka image's rule: KAFKA_ prefix off, "___" -> "-", "__" -> "_", "_" -> ".", lower case. */
function propertyName(env: string): string {
  return env
    .slice('KAFKA_'.length)
    .replace(/___/g, '\u0001')
    .replace(/__/g, '\u0002')
    .replace(/_/g, '.')
    .replace(/\u0001/g, '-')
    .replace(/\u0002/g, '_')
    .toLowerCase();
}

test('propertyName follows the image convention', () => {
  assert.equal(propertyName('KAFKA_NUM_PARTITIONS'), 'num.partitions');
  assert.equal(propertyName('KAFKA_LOG4J___X'), 'log4j-x');
  assert.equal(propertyName('KAFKA_A__B_C'), 'a_b.c');
});

test('compose and npm run kafka (one node) use the same broker settings', () => {
  const env = compose.services.kafka.environment;
  const fromCompose = Object.fromEntries(
    Object.entries(env)
      .filter(([k]) => k.startsWith('KAFKA_'))
      .map(([k, v]) => [propertyName(k), String(v)] as const)
      .filter(([k]) => !PLACEMENT.has(k)),
  );
  assert.deepEqual(fromCompose, sharedBrokerSettings(1));
  for (const p of PLACEMENT) assert.ok(Object.entries(env).some(([k]) => k.startsWith('KAFKA_') && propertyName(k) === p), `compose sets ${p}`);
});

test('compose, the launcher and tools/kafka/pom.xml pin the same Kafka version', () => {
  assert.equal(compose.services.kafka.image, `apache/kafka:${DEFAULT_KAFKA_VERSION}`);
  const pom = fs.readFileSync(POM, 'utf8');
  assert.equal(/<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1], DEFAULT_KAFKA_VERSION);
});

test('a 3-node cluster replicates the internal topics three times', () => {
  const three = sharedBrokerSettings(3);
  assert.equal(three['offsets.topic.replication.factor'], '3');
  assert.equal(three['transaction.state.log.replication.factor'], '3');
  assert.equal(three['transaction.state.log.min.isr'], '2');
  assert.deepEqual(Object.keys(three).sort(), Object.keys(sharedBrokerSettings(1)).sort());
});
