/** The messages between BrokerHost and its broker thread (src/kafka/broker-worker.ts). */
import type { BrokerStats, LockInfo } from '../broker/index.js';

export interface WorkerStart {
  /** startBroker's options without the logger (a function cannot cross threads). */
  options: Record<string, unknown>;
  logLevel: string;
}

export type ToWorker = { id: number } & ({ type: 'setOwner'; owner: string } | { type: 'stats' } | { type: 'close' });

export type FromWorker =
  | { type: 'started'; address: string; port: number; lock: LockInfo; brokeStaleLock: LockInfo | undefined }
  | { type: 'failed'; code: string | undefined; message: string; stack: string | undefined }
  | { type: 'log'; line: string }
  | { type: 'reply'; id: number; error?: string; lock?: LockInfo; stats?: BrokerStats };
