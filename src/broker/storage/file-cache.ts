import { promises as fsp, readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * The broker-wide bound on open segment files (logs and indexes). A partition holds no file
 * descriptor of its own: a segment's file is opened on first use, stays open while it is used
 * again and again, and the least recently used idle file is closed when a new one needs the
 * slot. So the number of partitions is not limited by `ulimit -n`; only the files in use at one
 * moment are, and when all slots are busy a new user waits for one instead of failing with EMFILE.
 *
 * Every user pins one file at a time (never two), so waiting for a slot cannot deadlock.
 */
export class FileCache {
  /** Idle open files, least recently used first (a Set keeps insertion order). */
  private readonly idle = new Set<CachedFile>();
  /** Slots taken: files open, being opened or being closed, plus transient users. */
  private used = 0;
  /** Most slots ever taken at once (for tests and diagnostics). */
  private peak = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`file cache capacity must be a positive integer, got ${capacity}`);
  }

  /**
   * A file opened on demand. `fresh`: the file belongs to a new segment, so its first open
   * creates it empty (replacing any leftover); later opens reuse it. `createIfMissing`: opened
   * read-write, created when absent (index files, which may never have been written).
   */
  file(path: string, opts: { fresh?: boolean; createIfMissing?: boolean } = {}): CachedFile {
    return new CachedFile(this, path, opts.fresh ?? false, opts.createIfMissing ?? false);
  }

  /** Runs `fn` holding one slot, for short-lived descriptors opened outside the cache (whole-file writes). */
  async transient<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      return await fn();
    } finally {
      this.releaseSlot();
    }
  }

  stats(): { open: number; peak: number; capacity: number; idle: number; waiting: number } {
    return { open: this.used, peak: this.peak, capacity: this.capacity, idle: this.idle.size, waiting: this.waiters.length };
  }

  /** @internal Takes a slot: a free one, else the least recently used idle file's, else waits. */
  async acquireSlot(): Promise<void> {
    for (;;) {
      if (this.used < this.capacity) {
        this.used++;
        if (this.used > this.peak) this.peak = this.used;
        return;
      }
      if (!(await this.evictOne())) await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** @internal */
  releaseSlot(): void {
    this.used--;
    this.wake();
  }

  /** @internal Closes the least recently used idle file; false if none is idle. */
  async evictOne(): Promise<boolean> {
    const victim = this.idle.values().next().value as CachedFile | undefined;
    if (!victim) return false;
    await victim.evict();
    return true;
  }

  /** @internal */
  markIdle(f: CachedFile): void {
    this.idle.delete(f);
    this.idle.add(f);
    this.wake();
  }

  /** @internal */
  markBusy(f: CachedFile): void {
    this.idle.delete(f);
  }

  private wake(): void {
    this.waiters.shift()?.();
  }
}

export class CachedFile {
  private fh: FileHandle | null = null;
  private opening: Promise<FileHandle> | null = null;
  private pins = 0;
  private closeRequested = false;
  private closed: Promise<void> | null = null;
  private resolveClosed: (() => void) | null = null;

  constructor(
    private readonly cache: FileCache,
    readonly path: string,
    private fresh: boolean,
    private readonly createIfMissing: boolean,
  ) {}

  /** Runs `fn` with the open file, opening it (possibly after waiting for a slot) if needed. */
  async use<T>(fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    if (this.closeRequested) throw new Error(`${this.path} is closed`);
    this.pins++;
    this.cache.markBusy(this);
    try {
      const fh = this.fh ?? (await (this.opening ??= this.open()));
      return await fn(fh);
    } finally {
      this.pins--;
      if (this.pins === 0) this.settle();
    }
  }

  /** Closes the file now if nobody uses it (it reopens on the next use). */
  async release(): Promise<void> {
    if (this.pins === 0 && this.fh) await this.evict();
  }

  /** Closes for good once current users are done; later use() throws. */
  close(): Promise<void> {
    this.closeRequested = true;
    this.closed ??= new Promise<void>((r) => {
      this.resolveClosed = r;
    });
    if (this.pins === 0) this.settle();
    return this.closed;
  }

  /** @internal Called by the cache for an idle file. */
  async evict(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    this.fh = null;
    this.cache.markBusy(this);
    try {
      await fh.close();
    } catch {
      // The descriptor is gone either way; nothing was pending on it.
    } finally {
      this.cache.releaseSlot();
    }
  }

  private settle(): void {
    if (this.closeRequested) {
      void this.evict().then(() => this.resolveClosed?.());
    } else if (this.fh) {
      this.cache.markIdle(this);
    }
  }

  private async open(): Promise<FileHandle> {
    try {
      await this.cache.acquireSlot();
      try {
        const fh = await this.openFile();
        this.fresh = false;
        this.fh = fh;
        return fh;
      } catch (err) {
        this.cache.releaseSlot();
        throw err;
      }
    } finally {
      this.opening = null;
    }
  }

  private async openFile(): Promise<FileHandle> {
    let flags = this.fresh ? 'w+' : 'r+';
    for (let attempt = 0; ; attempt++) {
      try {
        return await fsp.open(this.path, flags);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && this.createIfMissing && flags === 'r+') {
          flags = 'w+';
          continue;
        }
        // Something else in the process (sockets, other files) took the descriptors we counted
        // on: give back an idle one and try again, a few times.
        if ((code === 'EMFILE' || code === 'ENFILE') && attempt < 8 && (await this.cache.evictOne())) continue;
        throw err;
      }
    }
  }
}

/** The soft RLIMIT_NOFILE of this process, from /proc (Linux); null where that is not available. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

/** Descriptors left to everything but segment files: sockets, the offsets journal, Node itself. */
const RESERVED_DESCRIPTORS = 64;
export const MIN_OPEN_FILES = 8;
export const MAX_DEFAULT_OPEN_FILES = 1024;

/**
 * Default for maxOpenFiles: half of what the descriptor limit leaves after a reserve, so
 * connections (and, in-process, the web app) keep the other half; 256 when the limit is unknown.
 */
export function defaultMaxOpenFiles(limit: number | null = openFileLimit()): number {
  if (limit === null) return 256;
  return Math.min(MAX_DEFAULT_OPEN_FILES, Math.max(MIN_OPEN_FILES, Math.floor((limit - RESERVED_DESCRIPTORS) / 2)));
}
