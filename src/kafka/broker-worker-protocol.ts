/** The messages between BrokerHost and its broker thread (src/kafka/broker-worker.ts). */
import type { BrokerStats, LockInfo } from '../broker/index.js';

export interface WorkerData {
  logLevel: string;
}

export interface StartedBroker {
  address: string;
  port: number;
  lock: LockInfo;
  brokeStaleLock: LockInfo | undefined;
}

export type Request =
  /** startBroker's options without the logger (a function cannot cross threads). */
  | { type: 'start'; options: Record<string, unknown> }
  | { type: 'setOwner'; owner: string }
  | { type: 'stats' }
  | { type: 'close' }
  /** Fault injection (tests): the thread throws an uncaught error, as a bug in the broker would. */
  | { type: 'crash' };

export type ToWorker = { id: number } & Request;

export type FromWorker =
  | { type: 'log'; line: string }
  | { type: 'reply'; id: number; error?: { message: string; code: string | undefined }; started?: StartedBroker; lock?: LockInfo; stats?: BrokerStats };
