import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrokerLogger } from '../logger.js';
import { readFileIfExists, writeFileAtomic } from './fs-util.js';
import { partitionKey } from '../protocol/topic-partition.js';

export interface CommittedOffset {
  offset: bigint;
  metadata: string | null;
  commitTimestamp: number;
}

interface Slot {
  topic: string;
  partition: number;
  committed: CommittedOffset;
}

/** One committed offset as stored on a line: topic, partition, offset (decimal string), metadata, commit time. */
type StoredEntry = [string, number, string, string | null, number];

/** Lines of the journal: a commit, a group deletion, a topic deletion, some partitions of a group deleted. */
type JournalLine = { g: string; e: StoredEntry[] } | { dg: string } | { dt: string } | { dp: string; p: [string, number][] };

interface PendingWrite {
  line: string;
  apply(): void;
  resolve(): void;
  reject(err: Error): void;
}

const FILE_NAME = 'committed-offsets.jsonl';
/** The journal is rewritten as a snapshot once it is this large and mostly superseded lines. */
const COMPACT_MIN_BYTES = 8 * 1024 * 1024;

const slotKey = partitionKey;

/**
 * Committed consumer-group offsets. Every change is a JSON line appended to one journal file;
 * a change becomes visible and its promise resolves only after that write returned, so a
 * restart (even after kill -9) keeps every acknowledged commit. Writes queued while one is in
 * flight go out together in the next write. The journal is compacted to a snapshot on open and
 * whenever it grows well past the live state.
 */
export class OffsetStore {
  private readonly state = new Map<string, Map<string, Slot>>();
  private fh: FileHandle | null = null;
  private pending: PendingWrite[] = [];
  private writing: Promise<void> | null = null;
  private fileBytes = 0;
  private snapshotBytes = 0;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly logger: BrokerLogger,
    private readonly compactMinBytes: number,
  ) {}

  /** `compactMinBytes` exists for tests; the default suits real use. */
  static async open(dataDir: string, logger: BrokerLogger, opts: { compactMinBytes?: number } = {}): Promise<OffsetStore> {
    const store = new OffsetStore(join(dataDir, FILE_NAME), logger, opts.compactMinBytes ?? COMPACT_MIN_BYTES);
    const raw = await readFileIfExists(store.path);
    if (raw) {
      const lines = raw.toString('utf8').split('\n');
      lines.forEach((text, i) => {
        if (text.trim() === '') return;
        try {
          store.replay(JSON.parse(text) as JournalLine);
        } catch (err) {
          // Only the last line can be torn by a crash; anything else means the file was edited.
          logger.warn({ err, line: i + 1, file: store.path }, 'skipping unreadable committed-offset line');
        }
      });
    }
    await store.writeSnapshot();
    return store;
  }

  private replay(line: JournalLine): void {
    if ('g' in line) {
      for (const [topic, partition, offset, metadata, ts] of line.e) {
        this.set(line.g, topic, partition, { offset: BigInt(offset), metadata, commitTimestamp: ts });
      }
    } else if ('dg' in line) {
      this.state.delete(line.dg);
    } else if ('dt' in line) {
      this.dropTopic(line.dt);
    } else if ('dp' in line) {
      this.dropPartitions(line.dp, line.p);
    }
  }

  private dropPartitions(group: string, partitions: [string, number][]): void {
    const slots = this.state.get(group);
    if (!slots) return;
    for (const [topic, partition] of partitions) slots.delete(slotKey(topic, partition));
    if (slots.size === 0) this.state.delete(group);
  }

  private set(group: string, topic: string, partition: number, committed: CommittedOffset): void {
    let slots = this.state.get(group);
    if (!slots) {
      slots = new Map();
      this.state.set(group, slots);
    }
    slots.set(slotKey(topic, partition), { topic, partition, committed });
  }

  private dropTopic(topic: string): void {
    for (const [group, slots] of this.state) {
      for (const [key, slot] of slots) if (slot.topic === topic) slots.delete(key);
      if (slots.size === 0) this.state.delete(group);
    }
  }

  commit(
    group: string,
    entries: { topic: string; partition: number; offset: bigint; metadata: string | null }[],
  ): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const now = Date.now();
    const stored: StoredEntry[] = entries.map((e) => [e.topic, e.partition, e.offset.toString(), e.metadata, now]);
    return this.enqueue({ g: group, e: stored }, () => {
      for (const e of entries) {
        this.set(group, e.topic, e.partition, { offset: e.offset, metadata: e.metadata, commitTimestamp: now });
      }
    });
  }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.state.get(group)?.get(slotKey(topic, partition))?.committed;
  }

  forGroup(group: string): { topic: string; partition: number; committed: CommittedOffset }[] {
    const slots = this.state.get(group);
    if (!slots) return [];
    return [...slots.values()].map((s) => ({ topic: s.topic, partition: s.partition, committed: s.committed }));
  }

  groups(): string[] {
    return [...this.state.keys()];
  }

  deleteGroup(group: string): Promise<void> {
    if (!this.state.has(group)) return Promise.resolve();
    return this.enqueue({ dg: group }, () => this.state.delete(group));
  }

  deletePartitions(group: string, partitions: { topic: string; partition: number }[]): Promise<void> {
    const slots = this.state.get(group);
    const present = partitions.filter((p) => slots?.has(slotKey(p.topic, p.partition)));
    if (present.length === 0) return Promise.resolve();
    const p: [string, number][] = present.map((x) => [x.topic, x.partition]);
    return this.enqueue({ dp: group, p }, () => this.dropPartitions(group, p));
  }

  deleteTopic(topic: string): Promise<void> {
    return this.enqueue({ dt: topic }, () => this.dropTopic(topic));
  }

  private enqueue(line: JournalLine, apply: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new Error('offset store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(line)}\n`, apply, resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.writeBatch();
    } finally {
      // Cleared in the same tick the queue was seen empty, so no enqueue can slip in between.
      this.writing = null;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const data = Buffer.from(batch.map((p) => p.line).join(''), 'utf8');
    try {
      this.fh ??= await fsp.open(this.path, 'a');
      await this.fh.write(data, 0, data.length);
      this.fileBytes += data.length;
    } catch (err) {
      this.logger.error({ err, file: this.path }, 'committing offsets failed');
      const e = err instanceof Error ? err : new Error(String(err));
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) {
      p.apply();
      p.resolve();
    }
    if (this.fileBytes > this.compactMinBytes && this.fileBytes > 4 * this.snapshotBytes) {
      try {
        await this.writeSnapshot();
      } catch (err) {
        this.logger.warn({ err, file: this.path }, 'compacting committed offsets failed');
      }
    }
  }

  /** Replaces the journal with one line per group holding its current offsets. */
  private async writeSnapshot(): Promise<void> {
    const lines: string[] = [];
    for (const [group, slots] of this.state) {
      const e: StoredEntry[] = [...slots.values()].map((s) => [
        s.topic,
        s.partition,
        s.committed.offset.toString(),
        s.committed.metadata,
        s.committed.commitTimestamp,
      ]);
      lines.push(`${JSON.stringify({ g: group, e })}\n`);
    }
    const data = Buffer.from(lines.join(''), 'utf8');
    const old = this.fh;
    this.fh = null;
    await old?.close();
    await writeFileAtomic(this.path, data);
    this.fh = await fsp.open(this.path, 'a');
    this.fileBytes = data.length;
    this.snapshotBytes = data.length;
  }

  /** Waits for queued writes, then closes the journal. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await this.writing;
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
}
