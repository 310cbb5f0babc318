import type { Logger } from '../logger.js';
import { createTopicReader, type GatewayOptions, type RawRecord, type TopicReaderHandle } from './gateway/index.js';
import { ReconnectingClient } from './reconnecting-client.js';

/**
 * The topic browser's reads (/topics, /topics/:name and their JSON API): messages by partition
 * and offset, newest back or from a start point, without a consumer group and without commits.
 *
 * Pages across partitions are merged by timestamp with a k-way merge that takes a contiguous run
 * of offsets from each partition, so a cursor of per-partition offsets pages older or newer
 * without skipping or repeating a record. Every read is bounded: at most `limit` records shown,
 * and fetching stops once `maxBytes` of records have been read (each single Fetch may exceed
 * its share by one record batch, which Kafka always returns whole so that a read progresses).
 */

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 100;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Smallest per-partition share of the byte budget for one Fetch. */
const MIN_SHARE = 64 * 1024;
/** Fetch rounds per read; each round asks only the partitions the merge is waiting for. */
const MAX_ROUNDS = 4;

export type ReadFrom = { kind: 'end' } | { kind: 'beginning' } | { kind: 'offset'; offset: bigint } | { kind: 'time'; timestamp: number };

/** `older`: per partition, the exclusive upper bound; `newer`: per partition, the first offset. */
export interface Cursor {
  direction: 'older' | 'newer';
  offsets: Map<number, bigint>;
}

export interface ReadRequest {
  topic: string;
  partition?: number;
  from: ReadFrom;
  cursor?: Cursor;
  limit?: number;
  maxBytes?: number;
}

export interface PartitionRange {
  partition: number;
  logStartOffset: string;
  endOffset: string;
}

export interface ReadResult {
  topic: string;
  partitions: PartitionRange[];
  /** Display order: newest first when reading older (from the end), oldest first when reading newer. */
  messages: RawRecord[];
  direction: 'older' | 'newer';
  /** undefined when nothing older is left. */
  older?: Cursor;
  /** Always set: where a live tail or a "newer" page continues. */
  newer: Cursor;
  hasNewer: boolean;
  /** The byte budget or the round limit ended the read before `limit` records. */
  truncated: boolean;
  bytesRead: number;
}

export interface TopicSummary {
  name: string;
  partitions: PartitionRange[];
  messages: string;
}

export type BrowseErrorKind = 'unknown_topic' | 'unknown_partition' | 'unavailable' | 'rejected';

export class BrowseError extends Error {
  constructor(
    readonly kind: BrowseErrorKind,
    message: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'BrowseError';
  }
}

export function encodeCursor(c: Cursor): string {
  return [c.direction, ...[...c.offsets].sort((a, b) => a[0] - b[0]).map(([p, o]) => `${p}-${o}`)].join('.');
}

/** `older.0-12.1-40`; undefined for anything else. */
export function decodeCursor(raw: string): Cursor | undefined {
  const parts = raw.split('.');
  const direction = parts.shift();
  if (direction !== 'older' && direction !== 'newer') return undefined;
  if (parts.length === 0 || parts.length > 10_000) return undefined;
  const offsets = new Map<number, bigint>();
  for (const p of parts) {
    const m = /^(\d{1,9})-(\d{1,19})$/.exec(p);
    if (!m) return undefined;
    offsets.set(Number(m[1]), BigInt(m[2]!));
  }
  return { direction, offsets };
}

interface Lane {
  partition: number;
  low: bigint;
  high: bigint;
  /** Records known so far, in merge order (ascending for newer, descending for older). */
  list: RawRecord[];
  idx: number;
  /** newer: next offset to fetch; older: lowest offset such that [edge, bound) is fully known. */
  edge: bigint;
  done: boolean;
  /** The page's own starting point on this partition (start for newer, bound for older). */
  origin: bigint;
}

const clamp = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);

export interface TopicBrowserOptions {
  /** Builds the raw reader (tests may pass their own); defaults to the kafkajs-based one. */
  reader?: () => TopicReaderHandle;
  gateway?: GatewayOptions;
  logger: Logger;
  timeoutMs?: number;
}

export class TopicBrowser {
  private readonly client: ReconnectingClient<TopicReaderHandle>;

  constructor(private readonly opts: TopicBrowserOptions) {
    this.client = new ReconnectingClient({
      create: () => (opts.reader ? opts.reader() : createTopicReader(opts.gateway!)),
      timeoutMs: opts.timeoutMs ?? 10_000,
      label: 'topic reader',
      log: opts.logger.child({ component: 'topic-browser' }),
      failedMsg: 'topic browser read failed',
      error: (kind, message, params) => new BrowseError(kind, message, params),
      isOwnError: (err) => err instanceof BrowseError,
    });
  }

  stop(timeoutMs = 1000): Promise<void> {
    return this.client.stop(timeoutMs);
  }

  listTopics(): Promise<TopicSummary[]> {
    return this.run('list topics', async (r) => {
      const topics = (await r.topics()).filter((t) => !t.name.startsWith('__'));
      return Promise.all(
        topics.map(async (t) => {
          const ranges = await r.offsets(t.name, t.partitions);
          const partitions = t.partitions.map((p) => rangeOf(p, ranges.get(p)!));
          const messages = t.partitions.reduce((sum, p) => sum + (ranges.get(p)!.high - ranges.get(p)!.low), 0n);
          return { name: t.name, partitions, messages: messages.toString() };
        }),
      );
    });
  }

  /** Partition count of a topic, or undefined when it does not exist (for the produce form). */
  partitionCount(topic: string): Promise<number | undefined> {
    return this.run('partition count', async (r) => (await r.partitions(topic))?.length);
  }

  read(req: ReadRequest): Promise<ReadResult> {
    return this.run('read messages', (r) => this.readWith(r, req));
  }

  private async readWith(r: TopicReaderHandle, req: ReadRequest): Promise<ReadResult> {
    const limit = Math.max(1, Math.min(MAX_LIMIT, req.limit ?? DEFAULT_LIMIT));
    const maxBytes = Math.max(1024, req.maxBytes ?? DEFAULT_MAX_BYTES);
    const all = await r.partitions(req.topic);
    if (!all || all.length === 0) throw new BrowseError('unknown_topic', `topic ${req.topic} does not exist`, { topic: req.topic });
    if (req.partition !== undefined && !all.includes(req.partition)) {
      throw new BrowseError('unknown_partition', `topic ${req.topic} has no partition ${req.partition}`, { topic: req.topic, partition: req.partition, count: all.length });
    }
    const chosen = req.partition !== undefined ? [req.partition] : all;
    // Every partition's range (one ListOffsets pair either way), so a page about one partition
    // can still list the others.
    const ranges = await r.offsets(req.topic, all);
    const partitions = all.map((p) => rangeOf(p, ranges.get(p)!));

    const direction: 'older' | 'newer' = req.cursor ? req.cursor.direction : req.from.kind === 'end' ? 'older' : 'newer';
    let starts: Map<number, bigint>;
    if (req.cursor) starts = req.cursor.offsets;
    else if (req.from.kind === 'time') {
      const found = await r.offsetsForTime(req.topic, chosen, req.from.timestamp);
      starts = new Map(chosen.map((p) => [p, found.get(p) ?? ranges.get(p)!.high]));
    } else {
      const from = req.from;
      starts = new Map(
        chosen.map((p) => {
          const { low, high } = ranges.get(p)!;
          return [p, from.kind === 'end' ? high : from.kind === 'beginning' ? low : from.kind === 'offset' ? from.offset : low];
        }),
      );
    }

    const lanes: Lane[] = chosen.map((p) => {
      const { low, high } = ranges.get(p)!;
      // A cursor from an older page may name offsets outside today's range (retention, new data).
      const origin = clamp(starts.get(p) ?? (direction === 'older' ? high : low), low, high);
      return { partition: p, low, high, list: [], idx: 0, edge: origin, done: direction === 'older' ? origin <= low : origin >= high, origin };
    });

    const share = Math.max(MIN_SHARE, Math.floor(maxBytes / lanes.length));
    let bytesRead = 0;
    let truncated = false;
    const taken: RawRecord[] = [];
    const before = (a: RawRecord, b: RawRecord) =>
      direction === 'newer'
        ? a.timestamp < b.timestamp || (a.timestamp === b.timestamp && (a.partition < b.partition || (a.partition === b.partition && a.offset < b.offset)))
        : a.timestamp > b.timestamp || (a.timestamp === b.timestamp && (a.partition > b.partition || (a.partition === b.partition && a.offset > b.offset)));

    const fetchMore = async (lane: Lane): Promise<void> => {
      if (direction === 'newer') {
        const got = await r.fetch(req.topic, lane.partition, lane.edge, share);
        for (const rec of got.records) if (rec.offset < lane.high) lane.list.push(rec);
        bytesRead += sizeOf(got.records);
        // No progress means nothing readable is left below the end offset we started with.
        lane.done = got.nextOffset <= lane.edge || got.nextOffset >= lane.high;
        lane.edge = got.nextOffset;
        return;
      }
      // Older: read the window just below what is known, so the newest records come first.
      const want = BigInt(limit);
      let from = lane.edge - want < lane.low ? lane.low : lane.edge - want;
      for (let attempt = 0; attempt < 4; attempt++) {
        const got = await r.fetch(req.topic, lane.partition, from, share);
        bytesRead += sizeOf(got.records);
        // Covered up to the bound, or no progress possible (nothing readable is left there).
        if (got.nextOffset >= lane.edge || got.nextOffset <= from) {
          const inWindow = got.records.filter((x) => x.offset < lane.edge);
          for (let i = inWindow.length - 1; i >= 0; i--) lane.list.push(inWindow[i]!);
          lane.edge = from;
          lane.done = from <= lane.low;
          return;
        }
        if (got.records.length === 0) {
          // Only non-data batches (transaction markers) came before the byte limit: read on.
          from = got.nextOffset;
          continue;
        }
        // The byte limit cut the window short: move its start up by what fits, judged by the
        // records that did come, and read again (the older ones are read on a later page).
        const avg = Math.max(1, Math.ceil(sizeOf(got.records) / got.records.length));
        const fits = BigInt(Math.max(1, Math.floor(share / avg)));
        const next = lane.edge - fits;
        from = next > got.nextOffset ? next : got.nextOffset;
        if (bytesRead >= maxBytes) break;
      }
      truncated = true;
      lane.done = true;
    };

    for (let round = 0; ; round++) {
      const blocked: Lane[] = [];
      while (taken.length < limit) {
        blocked.length = 0;
        let best: Lane | undefined;
        for (const lane of lanes) {
          if (lane.idx < lane.list.length) {
            if (!best || before(lane.list[lane.idx]!, best.list[best.idx]!)) best = lane;
          } else if (!lane.done) blocked.push(lane);
        }
        // A partition that may still hold an earlier candidate blocks the merge until read.
        if (blocked.length > 0 || !best) break;
        taken.push(best.list[best.idx++]!);
      }
      if (taken.length >= limit || blocked.length === 0) break;
      if (round >= MAX_ROUNDS || bytesRead >= maxBytes) {
        truncated = true;
        break;
      }
      await Promise.all(blocked.map(fetchMore));
    }

    // Cursors from what this page shows: per partition, the offsets just outside it.
    const olderOffsets = new Map<number, bigint>();
    const newerOffsets = new Map<number, bigint>();
    for (const lane of lanes) {
      const shown = lane.list.slice(0, lane.idx);
      if (direction === 'newer') {
        olderOffsets.set(lane.partition, lane.origin);
        newerOffsets.set(lane.partition, shown.length ? shown[shown.length - 1]!.offset + 1n : lane.origin);
      } else {
        olderOffsets.set(lane.partition, shown.length ? shown[shown.length - 1]!.offset : lane.origin);
        newerOffsets.set(lane.partition, lane.origin);
      }
    }
    const hasOlder = lanes.some((l) => olderOffsets.get(l.partition)! > l.low);
    const hasNewer = lanes.some((l) => newerOffsets.get(l.partition)! < l.high);
    return {
      topic: req.topic,
      partitions,
      messages: taken,
      direction,
      older: hasOlder ? { direction: 'older', offsets: olderOffsets } : undefined,
      newer: { direction: 'newer', offsets: newerOffsets },
      hasNewer,
      truncated,
      bytesRead,
    };
  }

  private run<T>(what: string, fn: (r: TopicReaderHandle) => Promise<T>): Promise<T> {
    return this.client.run(what, fn);
  }
}

function rangeOf(partition: number, r: { low: bigint; high: bigint }): PartitionRange {
  return { partition, logStartOffset: r.low.toString(), endOffset: r.high.toString() };
}

function sizeOf(records: RawRecord[]): number {
  let n = 0;
  for (const r of records) n += r.size;
  return n;
}
