import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { BrokerOptions, RunningBroker } from '../../../src/broker/index.js';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';

export { waitFor } from '../../app/harness.js';

export interface Fixture {
  broker: RunningBroker;
  dataDir: string;
  kafka: Kafka;
  /** Stops the broker and starts it again on the same port and data directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A broker on a free port over a fresh temp dir (test/helpers), plus a kafkajs client for it. */
export async function brokerFixture(options: Partial<BrokerOptions> = {}, client: Partial<KafkaConfig> = {}): Promise<Fixture> {
  const first = await startTestBroker({ initialRebalanceDelayMs: 0, ...options });
  let current: TestBroker = first;
  const fixture: Fixture = {
    broker: first.broker,
    dataDir: first.dataDir,
    kafka: new Kafka({
      clientId: 'broker-test',
      brokers: first.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 100 },
      ...client,
    }),
    async restart() {
      await current.broker.close();
      current = await startTestBroker({ initialRebalanceDelayMs: 0, ...options, dataDir: first.dataDir, port: first.port });
      fixture.broker = current.broker;
    },
    async close() {
      await current.broker.close();
      await first.cleanup(); // removes the data directory it created
    },
  };
  return fixture;
}
