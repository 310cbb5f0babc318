/**
 * Apache Kafka as a benchmark peer: one KRaft node from scripts/lib/apache-kafka.ts (Kafka's own
 * defaults, data in a temp dir on the same filesystem as the embedded broker's), plus Kafka's own
 * load generator, kafka-producer-perf-test (org.apache.kafka.tools.ProducerPerformance). Nothing
 * is installed at run time: without the jars in .cache/kafka (`npm run kafka -- --resolve-only`,
 * which .ci/run does) the Kafka rows say so instead of resolving them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { DEFAULT_KAFKA_VERSION, libsDir, startApacheKafka, type ApacheKafka } from '../../scripts/lib/apache-kafka.js';
import { runTimed, sleep } from './proc.js';

export const KAFKA_VERSION = DEFAULT_KAFKA_VERSION;

/** Why Kafka cannot be measured here, or undefined when it can. */
export function kafkaUnavailable(): string | undefined {
  if (!existsSync(join(libsDir(KAFKA_VERSION), `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    return `Kafka ${KAFKA_VERSION} jars not in .cache/kafka (run: npm run kafka -- --resolve-only)`;
  }
  return undefined;
}

export function startKafkaPeer(log: (s: string) => void): Promise<ApacheKafka> {
  return startApacheKafka({ nodes: 1, version: KAFKA_VERSION, log: (l) => log(`  kafka: ${l}`) });
}

/** Resolves once `address` accepts a TCP connection, polling every 20 ms. */
async function accepting(address: string, timeoutMs: number): Promise<void> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const port = Number(address.slice(i + 1));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${address} did not accept connections within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function kcatOne(address: string, topic: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('kcat', ['-P', '-q', '-b', address, '-t', topic, '-X', 'acks=all', '-X', 'message.timeout.ms=120000'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (err = (err + s).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`kcat first produce failed (exit ${code}): ${err}`))));
    child.stdin!.end('first\n');
  });
}

/**
 * Milliseconds from `since` (taken just before the broker was spawned) to the first produce
 * acknowledged with acks=all. kcat gives up at once on a broker that refuses connections, so the
 * port is polled (every 20 ms) before it runs; the topic is auto-created (both brokers do).
 */
export async function firstAckMs(address: string, topic: string, since: bigint, timeoutMs = 180_000): Promise<number> {
  await accepting(address, timeoutMs);
  for (let attempt = 0; ; attempt++) {
    try {
      await kcatOne(address, topic);
      break;
    } catch (err) {
      // Listening a moment before it serves (Kafka opens its socket before it is ready): retry.
      if (attempt >= 50) throw err;
      await sleep(20);
    }
  }
  return Number(process.hrtime.bigint() - since) / 1e6;
}

export interface PerfTestResult {
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  line: string;
}

/**
 * kafka-producer-perf-test: `records` x `size` B as fast as it goes, with part 1's kcat producer
 * settings in Kafka's client's words (acks=all, linger 5 ms, 1 MB batches, no compression).
 */
export async function producerPerfTest(address: string, topic: string, records: number, size: number): Promise<PerfTestResult> {
  let out = '';
  await runTimed(
    'java',
    [
      '-Xmx512m',
      '-cp',
      `${libsDir(KAFKA_VERSION)}/*`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(size),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${address}`,
      'acks=all',
      'linger.ms=5',
      'batch.size=1048576',
      'buffer.memory=268435456',
      'compression.type=none',
    ],
    { timeoutMs: 300_000, stdoutTo: (b) => (out += b.toString('utf8')) },
  );
  // The last line sums the run: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, ..."
  const line = out.trim().split('\n').filter((l) => l.includes('records sent')).pop() ?? '';
  const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency/.exec(line);
  if (!m) throw new Error(`no summary line in ProducerPerformance output:\n${out.slice(-2000)}`);
  return { recordsPerSec: Number(m[1]), mbPerSec: Number(m[2]), avgLatencyMs: Number(m[3]), maxLatencyMs: Number(m[4]), line };
}
