import type { AppConfig, FailureMode } from '../config.js';
import type { Logger } from '../logger.js';
import type { MessageStore } from '../messages/store.js';
import type { ConsumerStatus } from '../kafka/consumer-worker.js';
import type { AdminService } from '../kafka/admin-service.js';
import type { FailureStatus } from '../kafka/failure-switch.js';
import type { ProduceRequest, ProduceResult, ProducerStatus } from '../kafka/producer-service.js';
import type { Metrics } from './metrics.js';
import type { MessageStream } from './sse.js';
import type { TopicBrowser } from '../kafka/topic-browser.js';
import type { ClusterHistory } from '../kafka/cluster-history.js';
import type { TourTracker } from './tour.js';

export type { BrokerMode, BrokerStatus, BrokerHostInfo } from '../kafka/broker-connection.js';
import type { BrokerStatus } from '../kafka/broker-connection.js';

/** What the web layer needs from the rest of the app; tests pass real services built on a real broker. */
export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  producer: {
    send(request: ProduceRequest): Promise<ProduceResult>;
    status(): ProducerStatus;
  };
  consumer: {
    status(): ConsumerStatus;
    pause(): Promise<void>;
    resume(): Promise<void>;
    switchGroup(groupId: string): Promise<void>;
  };
  admin: Pick<AdminService, 'clusterView' | 'createTopic' | 'addPartitions' | 'resetOffsets' | 'deleteGroup'>;
  failure: {
    status(): FailureStatus;
    arm(mode: FailureMode, afterMessages?: number, stallMs?: number): void;
  };
  metrics: Metrics;
  streams: MessageStream;
  store: MessageStore;
  /** Where Kafka is, and in embedded mode which instance hosts the broker right now. */
  broker: { status(): BrokerStatus };
  instanceId: () => string;
  lifecycle: { isShuttingDown(): boolean };
  secrets: { session: string; csrf: string };
  /** Group-less topic reads for /topics (absent: the pages are not mounted). */
  topics?: Pick<TopicBrowser, 'listTopics' | 'read' | 'partitionCount'>;
  /** Recent offsets and rebalances for the pictures on /cluster (absent: no pictures). */
  history?: ClusterHistory;
  /** What the guided tour on Home has seen happen (absent: no tour). */
  tour?: TourTracker;
}
