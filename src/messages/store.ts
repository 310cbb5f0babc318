import { EventEmitter } from 'node:events';
import { RingBuffer } from './ring-buffer.js';

export interface StoredMessage {
  receivedAt: Date;
  topic: string;
  partition: number;
  /** int64 as a decimal string: Kafka offsets do not fit a JS number in general. */
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** The record's Kafka timestamp, ms since the epoch as a decimal string (absent: unknown). */
  timestamp?: string;
  /** Which app instance consumed it (several instances may share a group). */
  instance: string;
  /** The consumer group it was read in; the group can be switched at run time. */
  group: string;
  /**
   * Set for a record (or a whole record batch) that could not be decoded or processed: key and
   * value are null, `offset` is the last offset it covers, and the reason says why.
   */
  undecodable?: { reason: string; firstOffset: string; lastOffset: string; records: number };
}

interface StoreEvents {
  message: [StoredMessage];
  /** The buffer was emptied (group switch); live views drop their rows too. */
  reset: [];
}

/**
 * The last N consumed messages, shared by the consumer (writer) and the pages (readers).
 * Emits `message` after each insert so live views can be pushed updates.
 */
export class MessageStore extends EventEmitter<StoreEvents> {
  private readonly buffer: RingBuffer<StoredMessage>;

  constructor(readonly capacity: number) {
    super();
    this.buffer = new RingBuffer(capacity);
  }

  add(message: StoredMessage): void {
    this.buffer.push(message);
    this.emit('message', message);
  }

  clear(): void {
    this.buffer.clear();
    this.emit('reset');
  }

  newestFirst(limit?: number): StoredMessage[] {
    return this.buffer.newestFirst(limit);
  }

  get size(): number {
    return this.buffer.size;
  }
}
