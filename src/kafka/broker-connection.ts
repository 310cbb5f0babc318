import { DEFAULT_BROKER_CONFIG, startBroker } from '../broker/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { probeKafka } from './probe.js';

/** Room for key, headers and record/batch headers on top of the largest value we accept. */
const BATCH_OVERHEAD_ALLOWANCE = 64 * 1024;

export type BrokerMode = 'embedded-started' | 'embedded-joined' | 'external';

export interface BrokerConnection {
  mode: BrokerMode;
  /** Bootstrap addresses for the Kafka clients. */
  addresses: string[];
  /** Stops the broker if this process started it; otherwise does nothing. */
  close(): Promise<void>;
}

/**
 * Decides where Kafka is. With `brokers: embedded` we first ask the configured address whether a
 * Kafka broker already answers (another instance, or `npm run broker`) and join it; only if
 * nobody does do we start one in-process. Two instances racing for the port is fine: the loser
 * sees EADDRINUSE, probes again and joins the winner.
 */
export async function connectBroker(config: AppConfig, logger: Logger): Promise<BrokerConnection> {
  if (config.kafka.brokers !== 'embedded') {
    const addresses = [...config.kafka.brokers];
    logger.info({ brokers: addresses }, 'using external Kafka');
    return { mode: 'external', addresses, close: async () => {} };
  }

  const { host, port, dataDir, partitions } = config.embedded;
  const join = async (): Promise<BrokerConnection | undefined> => {
    if (port === 0) return undefined;
    try {
      await probeKafka(host, port, 1000);
    } catch {
      return undefined;
    }
    const address = `${host}:${port}`;
    logger.info({ broker: address }, 'a Kafka broker already answers on the embedded address; joining it');
    return { mode: 'embedded-joined', addresses: [address], close: async () => {} };
  };

  const joined = await join();
  if (joined) return joined;

  try {
    const broker = await startBroker({
      host,
      port,
      dataDir,
      defaultPartitions: partitions,
      // Kafka's group.min.session.timeout.ms (6 s) protects shared clusters from flapping members;
      // for a local broker, accept every session timeout the app's config allows, so the
      // failure-switch demos and tests can use short ones, also from instances that join later.
      minSessionTimeoutMs: 1000,
      // Kafka's message.max.bytes (1048588) bounds the whole record batch, so a value of exactly
      // messages.maxBytes plus key and batch overhead would be refused. Our own broker follows
      // the app's limit; a joined or external broker keeps its own setting (413 "too large").
      maxMessageBytes: Math.max(DEFAULT_BROKER_CONFIG.maxMessageBytes, config.messages.maxBytes + BATCH_OVERHEAD_ALLOWANCE),
      logger: logger.child({ component: 'broker' }),
    });
    logger.info({ broker: broker.address, dataDir }, 'started the embedded Kafka broker in this process');
    return { mode: 'embedded-started', addresses: [broker.address], close: () => broker.close() };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const late = await join();
      if (late) return late;
      throw new Error(`${host}:${port} is in use by something that does not answer as a Kafka broker`, { cause: err });
    }
    throw err;
  }
}
