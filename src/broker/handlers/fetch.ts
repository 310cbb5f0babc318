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
  const maxBytes = Math.max(0, req.maxBytes);
  let hasError = false;
  // Partitions are read side by side (each read is a trip to the file system's thread pool);
  // the response budget is then applied in request order.
  const topics = await Promise.all(
    req.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(
        t.partitions.map(async (p): Promise<FetchPartitionResult> => {
          const log = broker.logs.partition(t.name, p.index);
          if (!log) {
            hasError = true;
            return { index: p.index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1n, logStartOffset: -1n, records: EMPTY };
          }
          const hw = log.highWatermark;
          const start = log.logStartOffset;
          if (p.fetchOffset < start || p.fetchOffset > hw) {
            hasError = true;
            return { index: p.index, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: hw, logStartOffset: start, records: EMPTY };
          }
          const records =
            p.fetchOffset < hw ? await log.read(p.fetchOffset, Math.max(1, Math.min(p.partitionMaxBytes, maxBytes))) : EMPTY;
          return { index: p.index, errorCode: ErrorCode.NONE, highWatermark: hw, logStartOffset: start, records };
        }),
      ),
    })),
  );
  // Once the response is full, later partitions only report their offsets; but the first
  // partition with data always keeps at least one batch so a consumer can make progress.
  let bytes = 0;
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.records.length === 0) continue;
      if (bytes > 0 && bytes + p.records.length > maxBytes) {
        p.records = EMPTY;
        continue;
      }
      bytes += p.records.length;
    }
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
