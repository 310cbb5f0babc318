import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/**
 * Replaces `path` so that a crash leaves either the old or the new content, never a mix: the data
 * goes to a temporary sibling, is synced, and is renamed over the target. Used for small, rarely
 * written metadata (topic list, log start checkpoints, offset snapshots), so the fsync is cheap.
 */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path);
}

/** Reads a file, or returns null when it does not exist. */
export async function readFileIfExists(path: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads exactly `length` bytes at `position` unless the file ends first (the result is then shorter). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer<ArrayBuffer>> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Writes all of `bufs` at `position`, continuing after short writes. */
export async function writevAt(fh: FileHandle, bufs: Buffer[], position: number): Promise<void> {
  let total = 0;
  for (const b of bufs) total += b.length;
  let done = (await fh.writev(bufs, position)).bytesWritten;
  while (done < total) {
    // A short write is rare for regular files (disk nearly full); resume with what is left.
    const rest: Buffer[] = [];
    let skip = done;
    for (const b of bufs) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      rest.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    const n = (await fh.writev(rest, position + done)).bytesWritten;
    if (n === 0) throw new Error('write made no progress');
    done += n;
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
