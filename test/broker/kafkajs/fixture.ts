import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import pino from 'pino';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../../src/broker/index.js';

export interface Fixture {
  broker: RunningBroker;
  dataDir: string;
  kafka: Kafka;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A broker on a free port over a fresh temp dir, plus a kafkajs client pointed at it. */
export async function brokerFixture(options: Partial<BrokerOptions> = {}, client: Partial<KafkaConfig> = {}): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kjs-'));
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const opts: BrokerOptions = { port: 0, initialRebalanceDelayMs: 0, ...options, dataDir, logger };
  const fixture: Fixture = {
    broker: await startBroker(opts),
    dataDir,
    kafka: undefined as unknown as Kafka,
    async restart() {
      const port = fixture.broker.port;
      await fixture.broker.close();
      fixture.broker = await startBroker({ ...opts, port });
    },
    async close() {
      await fixture.broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  fixture.kafka = new Kafka({
    clientId: 'broker-test',
    brokers: [fixture.broker.address],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 100 },
    ...client,
  });
  return fixture;
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
