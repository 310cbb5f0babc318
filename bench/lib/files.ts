import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Writes `count` lines of exactly `size` bytes (plus '\n'): a zero-padded sequence number followed
 * by printable filler, so every message is distinct and none contains the delimiter.
 */
export function writeMessageFile(path: string, count: number, size: number): void {
  const fd = openSync(path, 'w');
  try {
    const filler = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(Math.ceil(size / 36) + 1);
    const perChunk = Math.max(1, Math.floor((4 << 20) / (size + 1)));
    for (let i = 0; i < count; i += perChunk) {
      const n = Math.min(perChunk, count - i);
      const buf = Buffer.allocUnsafe(n * (size + 1));
      let off = 0;
      for (let j = 0; j < n; j++) {
        const head = String(i + j).padStart(10, '0');
        const line = (head + filler).slice(0, size);
        off += buf.write(line, off, 'latin1');
        buf[off++] = 10;
      }
      writeSync(fd, buf, 0, off);
    }
  } finally {
    closeSync(fd);
  }
}
