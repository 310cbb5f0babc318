import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { BrokerLogger } from '../logger.js';
import { ErrorCode } from '../protocol/errors.js';
import { defaultMaxOpenFiles, FileCache } from './file-cache.js';
import { readFileIfExists, writeFileAtomic } from './fs-util.js';
import { acquireDataDirLock, type AcquireLockOptions, type HeldLock } from './data-dir-lock.js';
import { OffsetStore } from './offset-store.js';
import { PartitionLog, type PartitionEnv } from './partition-log.js';
import { StorageError } from './storage-error.js';
import { boundedDefault, resolveTopicConfigs, type LogDefaults } from './topic-configs.js';

export { StorageError } from './storage-error.js';
export { PartitionLog } from './partition-log.js';
export { OffsetStore, type CommittedOffset } from './offset-store.js';
export type { LogDefaults } from './topic-configs.js';

export interface TopicInfo {
  name: string;
  /** Random UUID, stable across restarts. */
  id: string;
  partitions: number;
  /** Only the settings given explicitly at creation. */
  configs: Record<string, string>;
}

interface TopicEntry {
  info: TopicInfo;
  effective: LogDefaults;
  deletePolicy: boolean;
  logs: PartitionLog[];
}

interface TopicsFile {
  version: 1;
  topics: TopicInfo[];
}

const TOPICS_FILE = 'topics.json';
/** Deleted partitions are moved here first; short names, because a 249-character topic leaves no room for suffixes. */
const TRASH_DIR = '.trash';
/** Largest partition count of one topic: a guard against a typo creating a million directories. */
export const MAX_PARTITIONS = 10_000;
/** Default for the broker-wide total (maxPartitions); see docs/broker-limits.md. */
export const DEFAULT_MAX_BROKER_PARTITIONS = 10_000;
/** Kafka's segment.ms default, for callers built before the setting existed. */
const DEFAULT_SEGMENT_MS = 604_800_000;

/** Partitions created side by side: file system calls overlap in libuv's pool, so 10,000 take seconds, not tens of them. */
const CREATE_CONCURRENCY = 16;

/** Runs fn(from) .. fn(to - 1), at most `limit` at a time; the first failure stops new starts and is rethrown. */
async function forRange(from: number, to: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = from;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < to) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(0, to - from)) }, worker));
  if (failure !== null) throw failure;
}

function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Names are validated by the caller; this only makes sure one can never point outside dataDir. */
function assertSafeName(name: string): void {
  if (
    name.length === 0 ||
    name === '.' ||
    name === '..' ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('\u0000')
  ) {
    throw new StorageError(`topic name '${name}' is not usable as a directory name`, ErrorCode.INVALID_TOPIC_EXCEPTION);
  }
}

function copyInfo(info: TopicInfo): TopicInfo {
  return { name: info.name, id: info.id, partitions: info.partitions, configs: { ...info.configs } };
}

/**
 * Owns the data directory: the topic list (`topics.json`), one directory of segments per
 * partition, and the committed group offsets. Topic-level changes are serialised; appends and
 * reads go straight to the partition logs.
 */
export class LogManager {
  private readonly topics = new Map<string, TopicEntry>();
  private readonly listeners = new Set<(topic: string, partition: number) => void>();
  private metaChain: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly dataDir: string,
    private readonly defaults: LogDefaults,
    private readonly logger: BrokerLogger,
    readonly offsets: OffsetStore,
    /** The data directory's lock, held from open to close. */
    readonly lock: HeldLock,
    readonly files: FileCache,
    /** Partitions this broker serves at most, over all topics (Kafka's proposed max.broker.partitions). */
    readonly maxPartitions: number,
  ) {}

  /**
   * Loads every topic and runs crash recovery on each partition. `maxOpenFiles` bounds the open
   * segment files (default: derived from the process's descriptor limit); `maxPartitions` the
   * partitions over all topics that creating topics or partitions may reach.
   */
  static async open(opts: {
    dataDir: string;
    defaults: LogDefaults;
    logger: BrokerLogger;
    lock?: AcquireLockOptions;
    maxOpenFiles?: number;
    maxPartitions?: number;
  }): Promise<LogManager> {
    await fsp.mkdir(opts.dataDir, { recursive: true });
    // Nothing of the directory is read before the lock is ours.
    const lock = await acquireDataDirLock(opts.dataDir, opts.lock);
    let offsets: OffsetStore;
    try {
      offsets = await OffsetStore.open(opts.dataDir, opts.logger);
    } catch (err) {
      await lock.release();
      throw err;
    }
    const defaults = { ...opts.defaults };
    // File positions in the index are uint32; Kafka caps segment.bytes at Int.MaxValue as well.
    defaults.segmentBytes = boundedDefault('segmentBytes', defaults.segmentBytes);
    // Infinity is a usable "never"; a missing or NaN value falls back to Kafka's default.
    const ms = defaults.segmentMs;
    defaults.segmentMs = typeof ms === 'number' && !Number.isNaN(ms) ? Math.max(1, Math.floor(ms)) : DEFAULT_SEGMENT_MS;
    const files = new FileCache(opts.maxOpenFiles ?? defaultMaxOpenFiles());
    const mgr = new LogManager(opts.dataDir, defaults, opts.logger, offsets, lock, files, opts.maxPartitions ?? DEFAULT_MAX_BROKER_PARTITIONS);
    try {
      await mgr.load();
    } catch (err) {
      await mgr.close();
      throw err;
    }
    opts.logger.info({ dataDir: opts.dataDir, topics: mgr.topics.size, brokeStaleLockOf: lock.brokeStale?.pid }, 'data directory opened and recovered');
    return mgr;
  }

  private async load(): Promise<void> {
    const raw = await readFileIfExists(join(this.dataDir, TOPICS_FILE));
    let stored: TopicInfo[] = [];
    if (raw) {
      const parsed = JSON.parse(raw.toString('utf8')) as TopicsFile;
      if (parsed.version !== 1 || !Array.isArray(parsed.topics)) {
        throw new Error(`${TOPICS_FILE} in ${this.dataDir} has an unknown format`);
      }
      stored = parsed.topics;
    }
    for (const info of stored) {
      assertSafeName(info.name);
      let resolved: ReturnType<typeof resolveTopicConfigs>;
      try {
        resolved = resolveTopicConfigs(this.defaults, info.configs ?? {});
      } catch (err) {
        this.logger.warn({ err, topic: info.name }, 'ignoring invalid stored topic configs');
        resolved = { effective: { ...this.defaults }, deletePolicy: true };
      }
      const entry: TopicEntry = { info: copyInfo(info), ...resolved, logs: [] };
      for (let p = 0; p < info.partitions; p++) entry.logs.push(await this.openPartition(entry, p));
      this.topics.set(info.name, entry);
    }
    await this.removeLeftovers();
  }

  /**
   * Removes what deleted topics left behind: the trash directory (a delete cut short), and
   * partition directories no topic claims (a crash between creating them and saving
   * topics.json). Only directories shaped like ours are touched.
   */
  private async removeLeftovers(): Promise<void> {
    await fsp.rm(join(this.dataDir, TRASH_DIR), { recursive: true, force: true });
    const entries = await fsp.readdir(this.dataDir, { withFileTypes: true });
    for (const d of entries) {
      if (!d.isDirectory()) continue;
      const path = join(this.dataDir, d.name);
      const m = /^(.+)-(\d+)$/.exec(d.name);
      if (!m) continue;
      const owner = this.topics.get(m[1]);
      if (owner && Number(m[2]) < owner.info.partitions) continue;
      const files = await fsp.readdir(path);
      if (!files.some((f) => /^\d{20}\.(log|index)$/.test(f) || f === 'log-start-offset')) continue;
      this.logger.warn({ dir: path }, 'removing partition directory of an unknown topic');
      await fsp.rm(path, { recursive: true, force: true });
    }
  }

  private openPartition(entry: TopicEntry, partition: number): Promise<PartitionLog> {
    const name = entry.info.name;
    return PartitionLog.open(join(this.dataDir, partitionDirName(name, partition)), name, partition, this.partitionEnv(entry));
  }

  private partitionEnv(entry: TopicEntry): PartitionEnv {
    return {
      logger: this.logger,
      files: this.files,
      segmentBytes: () => entry.effective.segmentBytes,
      segmentMs: () => entry.effective.segmentMs,
      onAppend: (t, p) => this.notify(t, p),
    };
  }

  /**
   * A new, empty partition. A directory of that name can only be a leftover of an earlier topic
   * (a crash before topics.json was saved): it is replaced, never inherited.
   */
  private async createPartition(entry: TopicEntry, partition: number): Promise<PartitionLog> {
    const name = entry.info.name;
    const dir = join(this.dataDir, partitionDirName(name, partition));
    try {
      await fsp.mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await fsp.rm(dir, { recursive: true, force: true });
      await fsp.mkdir(dir);
    }
    return PartitionLog.createNew(dir, name, partition, this.partitionEnv(entry));
  }

  private notify(topic: string, partition: number): void {
    for (const l of this.listeners) {
      try {
        l(topic, partition);
      } catch (err) {
        this.logger.error({ err }, 'append listener threw');
      }
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.metaChain.then(() => {
      if (this.closing) throw new StorageError('storage is closed', ErrorCode.NOT_LEADER_OR_FOLLOWER);
      return fn();
    });
    this.metaChain = run.catch(() => undefined);
    return run;
  }

  private async saveTopics(infos: TopicInfo[]): Promise<void> {
    const file: TopicsFile = { version: 1, topics: infos };
    await writeFileAtomic(join(this.dataDir, TOPICS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }

  private infos(): TopicInfo[] {
    return [...this.topics.values()].map((e) => copyInfo(e.info));
  }

  listTopics(): TopicInfo[] {
    return this.infos();
  }

  /** Partitions over all topics. */
  partitionCount(): number {
    let n = 0;
    for (const e of this.topics.values()) n += e.info.partitions;
    return n;
  }

  /**
   * Why adding `more` partitions would exceed what this broker serves, or null when it fits.
   * The handlers ask before anything is created (so validateOnly reports it too); creation
   * asks again under the topic lock, where concurrent creates cannot race it.
   */
  partitionBudgetProblem(more: number): string | null {
    const now = this.partitionCount();
    if (now + more <= this.maxPartitions) return null;
    return (
      `this broker serves at most ${this.maxPartitions} partitions over all topics (maxPartitions) and has ${now}; ` +
      `${more} more would make ${now + more}`
    );
  }

  private assertPartitionBudget(more: number): void {
    const problem = this.partitionBudgetProblem(more);
    if (problem) throw new StorageError(problem, ErrorCode.POLICY_VIOLATION);
  }

  /** Removes partition directories [from, to) of `name` after a create that failed part-way. */
  private async removePartitionDirs(name: string, from: number, to: number): Promise<void> {
    await forRange(from, to, CREATE_CONCURRENCY, async (p) => {
      const dir = join(this.dataDir, partitionDirName(name, p));
      try {
        await fsp.rm(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        this.logger.error({ err, dir }, 'could not remove the directory of a partition whose creation failed');
      }
    });
  }

  /** By topic id (Fetch v13+, Metadata v12, DeleteTopics v6); a scan, since topics here are few. */
  getTopicById(id: string): TopicInfo | undefined {
    for (const e of this.topics.values()) if (e.info.id === id) return copyInfo(e.info);
    return undefined;
  }

  getTopic(name: string): TopicInfo | undefined {
    const e = this.topics.get(name);
    return e ? copyInfo(e.info) : undefined;
  }

  createTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<TopicInfo> {
    try {
      assertSafeName(name);
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
        throw new StorageError(`partition count must be between 1 and ${MAX_PARTITIONS}`, ErrorCode.INVALID_PARTITIONS);
      }
      resolveTopicConfigs(this.defaults, configs);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.serial(async () => {
      if (this.topics.has(name)) throw new StorageError(`topic '${name}' already exists`, ErrorCode.TOPIC_ALREADY_EXISTS);
      this.assertPartitionBudget(partitions);
      const info: TopicInfo = { name, id: randomUUID(), partitions, configs: { ...configs } };
      const entry: TopicEntry = { info, ...resolveTopicConfigs(this.defaults, configs), logs: [] };
      const opened: PartitionLog[] = [];
      try {
        await forRange(0, partitions, CREATE_CONCURRENCY, async (p) => {
          opened[p] = await this.createPartition(entry, p);
        });
        entry.logs = opened;
        await this.saveTopics([...this.infos(), copyInfo(info)]);
      } catch (err) {
        this.logger.error({ err, topic: name, partitions }, 'topic creation failed; removing what it created');
        await Promise.allSettled(opened.filter(Boolean).map((l) => l.close()));
        await this.removePartitionDirs(name, 0, partitions);
        throw err;
      }
      this.topics.set(name, entry);
      this.logger.info({ topic: name, partitions, configs }, 'topic created');
      return copyInfo(info);
    });
  }

  deleteTopic(name: string): Promise<void> {
    return this.serial(async () => {
      const entry = this.topics.get(name);
      if (!entry) throw new StorageError(`unknown topic '${name}'`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      // Gone for new requests at once; appends already queued still finish before the files go.
      this.topics.delete(name);
      const gone = new StorageError(`topic '${name}' was deleted`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      await Promise.allSettled(entry.logs.map((l) => l.close(gone)));
      // Rename first so a crash part-way can never resurrect the data under a recreated topic.
      const doomed: string[] = [];
      const trash = join(this.dataDir, TRASH_DIR);
      await fsp.mkdir(trash, { recursive: true });
      for (let p = 0; p < entry.logs.length; p++) {
        const dir = join(this.dataDir, partitionDirName(name, p));
        const target = join(trash, randomUUID());
        try {
          await fsp.rename(dir, target);
          doomed.push(target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      await this.saveTopics(this.infos());
      await this.offsets.deleteTopic(name);
      for (const dir of doomed) await fsp.rm(dir, { recursive: true, force: true });
      this.logger.info({ topic: name }, 'topic deleted');
    });
  }

  createPartitions(name: string, totalCount: number): Promise<void> {
    return this.serial(async () => {
      const entry = this.topics.get(name);
      if (!entry) throw new StorageError(`unknown topic '${name}'`, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      const current = entry.info.partitions;
      if (!Number.isInteger(totalCount) || totalCount <= current) {
        throw new StorageError(
          `topic '${name}' has ${current} partitions; the new count must be larger`,
          ErrorCode.INVALID_PARTITIONS,
        );
      }
      if (totalCount > MAX_PARTITIONS) {
        throw new StorageError(`partition count must be at most ${MAX_PARTITIONS}`, ErrorCode.INVALID_PARTITIONS);
      }
      this.assertPartitionBudget(totalCount - current);
      const added: PartitionLog[] = [];
      try {
        await forRange(current, totalCount, CREATE_CONCURRENCY, async (p) => {
          added[p - current] = await this.createPartition(entry, p);
        });
        await this.saveTopics(this.infos().map((i) => (i.name === name ? { ...i, partitions: totalCount } : i)));
      } catch (err) {
        this.logger.error({ err, topic: name, from: current, to: totalCount }, 'adding partitions failed; removing what it created');
        await Promise.allSettled(added.filter(Boolean).map((l) => l.close()));
        await this.removePartitionDirs(name, current, totalCount);
        throw err;
      }
      entry.logs.push(...added);
      entry.info.partitions = totalCount;
      this.logger.info({ topic: name, from: current, to: totalCount }, 'partitions added');
    });
  }

  partition(topic: string, index: number): PartitionLog | undefined {
    const entry = this.topics.get(topic);
    if (!entry || !Number.isInteger(index) || index < 0) return undefined;
    return entry.logs[index];
  }

  topicConfig(name: string): LogDefaults {
    const entry = this.topics.get(name);
    return { ...(entry ? entry.effective : this.defaults) };
  }

  onAppend(listener: (topic: string, partition: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async enforceRetention(now: number = Date.now()): Promise<void> {
    for (const entry of [...this.topics.values()]) {
      if (!entry.deletePolicy) continue;
      const { retentionMs, retentionBytes } = entry.effective;
      if (retentionMs < 0 && retentionBytes <= 0) continue;
      for (const log of entry.logs) {
        try {
          await log.enforceRetention({ retentionMs, retentionBytes }, now);
        } catch (err) {
          this.logger.error({ err, topic: log.topic, partition: log.partition }, 'retention failed');
        }
      }
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.metaChain;
      const logs = [...this.topics.values()].flatMap((e) => e.logs);
      await Promise.allSettled(logs.map((l) => l.close()));
      await this.offsets.close();
      await this.lock.release();
    })();
    return this.closing;
  }
}
