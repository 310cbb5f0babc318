import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeFetchRequest,
  encodeFetchResponse,
  type FetchPartitionResult,
  type FetchRequest,
} from '../protocol/apis/fetch.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler, BrokerContext } from './types.js';

const EMPTY = Buffer.alloc(0);

interface Attempt {
  topics: { name: string; partitions: FetchPartitionResult[] }[];
  bytes: number;
  hasError: boolean;
}

async function readOnce(broker: BrokerContext, req: FetchRequest): Promise<Attempt> {
  let budget = Math.max(0, req.maxBytes);
  let bytes = 0;
  let hasError = false;
  const topics: Attempt['topics'] = [];
  for (const t of req.topics) {
    const partitions: FetchPartitionResult[] = [];
    for (const p of t.partitions) {
      const log = broker.logs.partition(t.name, p.index);
      if (!log) {
        hasError = true;
        partitions.push({ index: p.index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1n, logStartOffset: -1n, records: EMPTY });
        continue;
      }
      const hw = log.highWatermark;
      const start = log.logStartOffset;
      if (p.fetchOffset < start || p.fetchOffset > hw) {
        hasError = true;
        partitions.push({ index: p.index, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: hw, logStartOffset: start, records: EMPTY });
        continue;
      }
      let records = EMPTY;
      // Once the response is full, later partitions only report their offsets; but the first
      // partition with data always returns at least one batch so a consumer can make progress.
      if (p.fetchOffset < hw && (budget > 0 || bytes === 0)) {
        records = await log.read(p.fetchOffset, Math.max(1, Math.min(p.partitionMaxBytes, budget)));
        bytes += records.length;
        budget -= records.length;
      }
      partitions.push({ index: p.index, errorCode: ErrorCode.NONE, highWatermark: hw, logStartOffset: start, records });
    }
    topics.push({ name: t.name, partitions });
  }
  return { topics, bytes, hasError };
}

/**
 * Watches the fetched partitions for appends. It subscribes before the first read, so an append
 * that lands while a read is in progress is not missed.
 */
class AppendWatch {
  private dirty = false;
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly broker: BrokerContext, req: FetchRequest) {
    const wanted = new Set<string>();
    for (const t of req.topics) for (const p of t.partitions) wanted.add(`${t.name}\u0000${p.index}`);
    this.unsubscribe = broker.logs.onAppend((topic, partition) => {
      if (!wanted.has(`${topic}\u0000${partition}`)) return;
      this.dirty = true;
      this.wake?.();
    });
  }

  /** Resolves at the next append since the last call, at the deadline, or at shutdown. */
  next(waitMs: number): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.broker.shutdown.removeEventListener('abort', finish);
        this.wake = null;
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(finish, waitMs);
      this.broker.shutdown.addEventListener('abort', finish);
      this.wake = finish;
    });
  }

  close(): void {
    this.unsubscribe();
  }
}

export const fetchHandler: ApiHandler = {
  apiKey: ApiKey.Fetch,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeFetchRequest(body, version);
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    const minBytes = Math.max(1, req.minBytes);
    const watch = new AppendWatch(ctx.broker, req);
    try {
      let attempt = await readOnce(ctx.broker, req);
      // Long-poll: park until enough bytes arrive, woken by appends rather than by polling.
      while (attempt.bytes < minBytes && !attempt.hasError && !ctx.broker.shutdown.aborted) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await watch.next(left);
        attempt = await readOnce(ctx.broker, req);
      }
      return encodeFetchResponse(version, attempt.topics);
    } finally {
      watch.close();
    }
  },
};
