import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { readFileIfExists } from './fs-util.js';

/**
 * The exclusive lock on a data directory. Node has no flock, so this is a lock file created
 * atomically (link of a complete temp file, so nobody ever reads a half-written lock) holding
 * the owner's pid, a random token, the address it serves and an optional label. The broker binds
 * its port *before* taking the lock, so among contenders for one address the port already
 * decides who may try; the file guards the directory against a broker on another address.
 *
 * A lock may be broken only when its pid is dead (or a recycled pid that is not a node process)
 * AND nobody accepts connections on the address it names (unless that address is ours, which we
 * have bound). Breakers serialise on a second file, so two of them can never each remove a
 * lock the other has just created.
 */

export const LOCK_FILE = '.lock';
const BREAK_FILE = '.lock.break';

export interface LockInfo {
  pid: number;
  /** Random per acquisition: tells two locks of the same pid apart. */
  token: string;
  /** ISO time the lock was taken. */
  since: string;
  host?: string;
  port?: number;
  /** Who holds it, in the holder's words (the app writes its instance id). */
  owner?: string;
}

export class DataDirLockedError extends Error {
  readonly code = 'EDATADIRLOCKED';
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

export interface AcquireLockOptions {
  owner?: string;
  /** The address this process has already bound to serve the directory. */
  address?: { host: string; port: number };
}

export interface HeldLock {
  readonly path: string;
  info(): LockInfo;
  /** The dead holder whose lock was broken to get this one, if any (a takeover after a crash). */
  readonly brokeStale: LockInfo | undefined;
  /** Rewrites the owner label (atomically: readers see the old or the new file). */
  setOwner(owner: string): Promise<void>;
  release(): Promise<void>;
}

/**
 * Data directories and lock tokens of this process: a pid check cannot tell two brokers of one
 * process apart. A token is registered before its file is created, so a contender in this
 * process never mistakes a lock that is just being taken for a leftover.
 */
const heldHere = new Set<string>();
const tokensHere = new Set<string>();

/** Parses a lock file; the older format was just the pid. */
export function parseLockInfo(text: string): LockInfo | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), token: `legacy-${trimmed}`, since: '' };
  try {
    const v = JSON.parse(trimmed) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0 || typeof v.token !== 'string') return undefined;
    return {
      pid: v.pid,
      token: v.token,
      since: typeof v.since === 'string' ? v.since : '',
      ...(typeof v.host === 'string' ? { host: v.host } : {}),
      ...(typeof v.port === 'number' ? { port: v.port } : {}),
      ...(typeof v.owner === 'string' ? { owner: v.owner } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Who holds `dataDir` right now, as its lock file says (undefined: no lock or unreadable). */
export async function readDataDirLock(dataDir: string): Promise<LockInfo | undefined> {
  const raw = await readFileIfExists(join(dataDir, LOCK_FILE)).catch(() => null);
  return raw ? parseLockInfo(raw.toString('utf8')) : undefined;
}

/**
 * Removes `dataDir`'s lock if it is still the one taken with `token`; false if it is not (gone,
 * or someone else's). For a holder whose broker ended without releasing it while its process
 * lives on, such as an app whose broker thread died: others may only break the lock of a dead
 * pid, so nobody else could ever take the directory over.
 */
export async function releaseDataDirLock(dataDir: string, token: string): Promise<boolean> {
  const path = join(dataDir, LOCK_FILE);
  const now = await readInfo(path).catch(() => null);
  if (now?.info?.token !== token) return false;
  await fsp.rm(path, { force: true });
  return true;
}

/** True when `pid` is a running process that could be a broker (a node process, not a zombie). */
export async function isLiveBrokerPid(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Where /proc exists: a zombie (killed, not yet reaped) has let go of its files, and a pid
  // recycled by something else after a crash must not lock the directory forever.
  const stat = await readFileIfExists(`/proc/${pid}/stat`).catch(() => null);
  if (stat) {
    const s = stat.toString('utf8');
    if (s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) === 'Z') return false;
  }
  const cmdline = await readFileIfExists(`/proc/${pid}/cmdline`).catch(() => null);
  return cmdline === null || /node|tsx|bun|deno/i.test(cmdline.toString('utf8'));
}

/** Does anything accept TCP connections on host:port? (A refused or timed-out connect says no.) */
function accepts(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (v: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Creates `path` with `content` only if it does not exist; false if it does. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await fsp.writeFile(tmp, content);
  try {
    await fsp.link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    // A file system without hard links: O_EXCL create (a reader may then briefly see it empty).
    try {
      await fsp.writeFile(path, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

async function readInfo(path: string): Promise<{ raw: string; info: LockInfo | undefined } | null> {
  const raw = await readFileIfExists(path);
  return raw === null ? null : { raw: raw.toString('utf8'), info: parseLockInfo(raw.toString('utf8')) };
}

/** Why `holder` still counts, or undefined when its lock may be broken. */
async function stillHeld(holder: LockInfo | undefined, mtimeMs: number, opts: AcquireLockOptions): Promise<string | undefined> {
  if (!holder) {
    // Unreadable: a crash of an old version between create and write. Give a live writer time.
    return Date.now() - mtimeMs < 10_000 ? 'an unreadable lock file that is only seconds old' : undefined;
  }
  if (holder.pid === process.pid ? tokensHere.has(holder.token) : await isLiveBrokerPid(holder.pid)) return `process ${holder.pid}`;
  if (holder.host !== undefined && holder.port !== undefined && holder.port > 0) {
    const ours = opts.address && opts.address.port === holder.port && opts.address.host === holder.host;
    if (!ours && (await accepts(holder.host, holder.port))) {
      return `something answering on ${holder.host}:${holder.port} (its process ${holder.pid} is gone)`;
    }
  }
  return undefined;
}

/**
 * Removes the lock at `path` if it is still exactly the stale one judged (same token), holding
 * the break file meanwhile. Returns false if another breaker is at work (the caller retries).
 */
async function breakStale(dataDir: string, path: string, staleRaw: string): Promise<boolean> {
  const breakPath = join(dataDir, BREAK_FILE);
  const mine = JSON.stringify({ pid: process.pid, token: randomUUID(), since: new Date().toISOString() });
  if (!(await createExclusive(breakPath, mine))) {
    // A breaker that died within its few microseconds of holding the break file leaves it behind.
    const other = await readInfo(breakPath).catch(() => null);
    if (other?.info && !(await isLiveBrokerPid(other.info.pid))) {
      const again = await readInfo(breakPath).catch(() => null);
      if (again?.raw === other.raw) await fsp.rm(breakPath, { force: true });
    }
    return false;
  }
  try {
    const now = await readInfo(path);
    // Only the very file we judged: a fresh lock someone created meanwhile stays.
    if (now && now.raw === staleRaw) await fsp.rm(path, { force: true });
    return true;
  } finally {
    await fsp.rm(breakPath, { force: true });
  }
}

export async function acquireDataDirLock(dataDir: string, opts: AcquireLockOptions = {}): Promise<HeldLock> {
  const path = join(dataDir, LOCK_FILE);
  if (heldHere.has(dataDir)) {
    throw new DataDirLockedError(dataDir, undefined, `data directory ${dataDir} is already in use by a broker in this process`);
  }
  let info: LockInfo = {
    pid: process.pid,
    token: randomUUID(),
    since: new Date().toISOString(),
    ...(opts.address ? { host: opts.address.host, port: opts.address.port } : {}),
    ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
  };
  let brokeStale: LockInfo | undefined;
  tokensHere.add(info.token);
  for (let attempt = 0; ; attempt++) {
    let created: boolean;
    try {
      created = await createExclusive(path, JSON.stringify(info));
    } catch (err) {
      tokensHere.delete(info.token);
      throw err;
    }
    if (created) break;
    const existing = await readInfo(path);
    if (existing === null) continue; // released meanwhile: try again at once
    const mtimeMs = (await fsp.stat(path).catch(() => null))?.mtimeMs ?? 0;
    const reason = await stillHeld(existing.info, mtimeMs, opts);
    if (reason !== undefined || attempt >= 20) {
      tokensHere.delete(info.token);
      throw new DataDirLockedError(
        dataDir,
        existing.info,
        `data directory ${dataDir} is in use by ${reason ?? 'contending processes'} (remove ${path} if that is wrong)`,
      );
    }
    if (await breakStale(dataDir, path, existing.raw)) brokeStale = existing.info;
    else await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
  heldHere.add(dataDir);
  let released = false;
  return {
    path,
    brokeStale,
    info: () => ({ ...info }),
    async setOwner(owner) {
      if (released || info.owner === owner) return;
      info = { ...info, owner };
      const tmp = `${path}.${process.pid}.owner.tmp`;
      await fsp.writeFile(tmp, JSON.stringify(info));
      await fsp.rename(tmp, path);
    },
    async release() {
      if (released) return;
      released = true;
      const now = await readInfo(path).catch(() => null);
      if (now?.info?.token === info.token) await fsp.rm(path, { force: true });
      heldHere.delete(dataDir);
      tokensHere.delete(info.token);
    },
  };
}
