/**
 * The one switch that runs a suite on either broker: TEST_KAFKA=embedded (default) or apache.
 *
 *   const kafka = await startSuiteKafka();       // embedded broker on port 0, or the run's Apache Kafka
 *   spawnApp(procs, { brokers: kafka.address, groupId: suiteName('my-group'), ... });
 *   after(() => kafka.cleanup());
 *
 * Under TEST_KAFKA=apache the tests use the Apache Kafka whose bootstrap is in
 * TEST_KAFKA_BOOTSTRAP (scripts/run-tests.mjs starts one per run); without it the first test
 * file to ask starts its own (scripts/lib/apache-kafka.ts, TEST_KAFKA_VERSION, default 3.9.1),
 * stopped when the process exits. It never falls back to the embedded broker. Several files share
 * one Kafka, so names must be unique: suiteName() adds a per-process suffix on Apache Kafka.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, ITopicConfig } from 'kafkajs';
import fs from 'node:fs';
import { startApacheKafka, DEFAULT_KAFKA_VERSION, type ApacheKafka } from '../../scripts/lib/apache-kafka.js';
import { startTestBroker, tempDir, removeDir } from './broker.js';

export type SuiteKafkaKind = 'embedded' | 'apache';

export function suiteKafkaKind(): SuiteKafkaKind {
  const raw = (process.env.TEST_KAFKA ?? 'embedded').trim().toLowerCase();
  if (raw === 'embedded' || raw === '') return 'embedded';
  if (raw === 'apache') return 'apache';
  throw new Error(`TEST_KAFKA must be "embedded" or "apache", got "${process.env.TEST_KAFKA}"`);
}

export const onApacheKafka = suiteKafkaKind() === 'apache';
/** The Apache Kafka release the suite runs on (only meaningful on Apache Kafka). */
export const apacheKafkaVersion = process.env.TEST_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
export const apacheKafkaMajor = Number(apacheKafkaVersion.split('.')[0]);

const SUFFIX = randomBytes(3).toString('hex');

/** `base` on the embedded broker (each file has its own); `base-<suffix>` on a shared Apache Kafka. */
export function suiteName(base: string): string {
  return onApacheKafka ? `${base}-${SUFFIX}` : base;
}

export interface SuiteKafka {
  kind: SuiteKafkaKind;
  /** First bootstrap address, `host:port`. */
  address: string;
  /** Every bootstrap address (for kafkajs `brokers`). */
  brokers: string[];
  /** The bootstrap list as KAFKA_BROKERS wants it. */
  bootstrap: string;
  /** A temp dir owned by the test (the embedded broker's data dir; empty on Apache Kafka). */
  dataDir: string;
  /** Closes the embedded broker / releases the shared Kafka (which stays up for other files). */
  cleanup(): Promise<void>;
  close(): Promise<void>;
}

const ownKafkas = new Map<string, Promise<ApacheKafka>>();

async function apacheBootstrap(): Promise<string> {
  const given = process.env.TEST_KAFKA_BOOTSTRAP?.trim();
  if (given) return given;
  return ownApacheKafka(apacheKafkaVersion);
}

/**
 * An Apache Kafka of `version` for tests that always compare against it, whatever TEST_KAFKA says
 * (the differential test): the run's one (TEST_KAFKA_BOOTSTRAP) when it is that version, else one
 * started for this process and killed when it exits.
 */
export async function apacheKafkaBootstrap(version: string): Promise<string> {
  const given = process.env.TEST_KAFKA_BOOTSTRAP?.trim();
  if (given && onApacheKafka && apacheKafkaVersion === version) return given;
  return ownApacheKafka(version);
}

async function ownApacheKafka(version: string): Promise<string> {
  const first = !ownKafkas.has(version);
  if (first) ownKafkas.set(version, startApacheKafka({ nodes: 1, version }));
  const kafka = await ownKafkas.get(version)!;
  if (!first) return kafka.bootstrap;
  process.once('exit', () => {
    for (const n of kafka.nodes) if (n.pid) process.kill(n.pid, 'SIGKILL');
    fs.rmSync(kafka.dataDir, { recursive: true, force: true });
  });
  return kafka.bootstrap;
}

export async function startSuiteKafka(): Promise<SuiteKafka> {
  if (!onApacheKafka) {
    const b = await startTestBroker();
    return {
      kind: 'embedded',
      address: b.brokers[0]!,
      brokers: b.brokers,
      bootstrap: b.brokers.join(','),
      dataDir: b.dataDir,
      cleanup: () => b.cleanup(),
      close: () => b.cleanup(),
    };
  }
  const bootstrap = await apacheBootstrap();
  const brokers = bootstrap.split(',');
  const dataDir = tempDir('suite-kafka-');
  const release = async () => removeDir(dataDir);
  return { kind: 'apache', address: brokers[0]!, brokers, bootstrap, dataDir, cleanup: release, close: release };
}

/**
 * admin.createTopics, then waits (bounded) until every partition has a leader. kafkajs's own
 * waitForLeaders gives up on the UNKNOWN_TOPIC_OR_PARTITION Apache Kafka answers while the new
 * topic's metadata is still on its way to the broker asked; the embedded broker never does.
 */
export async function createTopicsAndWait(admin: Admin, topics: ITopicConfig[], timeoutMs = 60_000): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const ready = topics.every((t) => {
        const found = meta.topics.find((m) => m.name === t.topic)?.partitions ?? [];
        return found.length === (t.numPartitions ?? found.length) && found.length > 0 && found.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`topics ${topics.map((t) => t.topic).join(', ')} have no leaders after ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
}
