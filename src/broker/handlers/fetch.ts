import { ApiKey } from '../protocol/api-keys.js';
import {
  decodeFetchRequest,
  encodeFetchResponse,
  type FetchPartitionResult,
  type FetchRequest,
} from '../protocol/apis/fetch.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ApiHandler, BrokerContext } from './types.js';
import { partitionKey } from '../protocol/topic-partition.js';

const EMPTY = Buffer.alloc(0);

/** A requested topic with its name resolved (v13+ name topics by id); name null = unknown id. */
interface ResolvedTopic {
  name: string | null;
  topicId: string;
  partitions: FetchRequest['topics'][number]['partitions'];
}

const NULL_TOPIC_ID = '00000000-0000-0000-0000-000000000000';

function resolveTopics(broker: BrokerContext, req: FetchRequest): ResolvedTopic[] {
  return req.topics.map((t) => {
    if (t.topicId !== null) {
      const info = broker.logs.getTopicById(t.topicId);
      return { name: info?.name ?? null, topicId: t.topicId, partitions: t.partitions };
    }
    const name = t.name ?? '';
    return { name, topicId: broker.logs.getTopic(name)?.id ?? NULL_TOPIC_ID, partitions: t.partitions };
  });
}

interface Attempt {
  topics: { name: string; topicId: string; partitions: FetchPartitionResult[] }[];
  bytes: number;
  hasError: boolean;
}

async function readOnce(broker: BrokerContext, req: FetchRequest, wanted: ResolvedTopic[]): Promise<Attempt> {
  const maxBytes = Math.max(0, req.maxBytes);
  let hasError = false;
  // Partitions are read side by side (each read is a trip to the file system's thread pool);
  // the response budget is then applied in request order.
  const topics = await Promise.all(
    wanted.map(async (t) => ({
      name: t.name ?? '',
      topicId: t.topicId,
      partitions: await Promise.all(
        t.partitions.map(async (p): Promise<FetchPartitionResult> => {
          const log = t.name === null ? undefined : broker.logs.partition(t.name, p.index);
          if (!log) {
            hasError = true;
            // Kafka answers an id it does not know with UNKNOWN_TOPIC_ID, a name with UNKNOWN_TOPIC_OR_PARTITION.
            const errorCode = t.name === null ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
            return { index: p.index, errorCode, highWatermark: -1n, logStartOffset: -1n, records: EMPTY };
          }
          const hw = log.highWatermark;
          const start = log.logStartOffset;
          if (p.fetchOffset < start || p.fetchOffset > hw) {
            hasError = true;
            // Like Kafka, an out-of-range answer carries no offsets (-1): the client must ask ListOffsets.
            return { index: p.index, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1n, logStartOffset: -1n, records: EMPTY };
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

  constructor(private readonly broker: BrokerContext, topics: ResolvedTopic[]) {
    const wanted = new Set<string>();
    for (const t of topics) {
      if (t.name !== null) for (const p of t.partitions) wanted.add(partitionKey(t.name, p.index));
    }
    this.unsubscribe = broker.logs.onAppend((topic, partition) => {
      if (!wanted.has(partitionKey(topic, partition))) return;
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
  maxVersion: 17,
  firstFlexibleVersion: 12,
  async handle(ctx, body) {
    const version = ctx.header.apiVersion;
    const req = decodeFetchRequest(body, version);
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    const minBytes = Math.max(1, req.minBytes);
    const topics = resolveTopics(ctx.broker, req);
    const watch = new AppendWatch(ctx.broker, topics);
    try {
      let attempt = await readOnce(ctx.broker, req, topics);
      // Long-poll: park until enough bytes arrive, woken by appends rather than by polling.
      while (attempt.bytes < minBytes && !attempt.hasError && !ctx.broker.shutdown.aborted) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await watch.next(left);
        attempt = await readOnce(ctx.broker, req, topics);
      }
      return encodeFetchResponse(version, attempt.topics, req.isolationLevel);
    } finally {
      watch.close();
    }
  },
};
