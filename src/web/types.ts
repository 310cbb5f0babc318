import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { MessageStore } from '../messages/store.js';
import type { ConsumerStatus } from '../kafka/consumer-worker.js';
import type { ProduceRequest, ProduceResult, ProducerStatus } from '../kafka/producer-service.js';

export type BrokerMode = 'embedded-started' | 'embedded-joined' | 'external';

export interface BrokerInfo {
  mode: BrokerMode;
  addresses: readonly string[];
}

/** What the web layer needs from the rest of the app; tests pass real services built on a real broker. */
export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  producer: {
    send(request: ProduceRequest): Promise<ProduceResult>;
    status(): ProducerStatus;
  };
  consumer: { status(): ConsumerStatus };
  store: MessageStore;
  broker: BrokerInfo;
  instanceId: () => string;
  lifecycle: { isShuttingDown(): boolean };
  secrets: { session: string; csrf: string };
}
