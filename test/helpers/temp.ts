/**
 * Temp directories for tests: always under os.tmpdir(), which scripts/run-tests.mjs points at a
 * directory of its own and checks for leftovers, so remove what you make (t.after / finally).
 *
 *   const dir = tempDir('my-test-');
 *   t.after(() => removeDir(dir));
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh empty directory under the OS temp dir; the prefix says which test left it, if one does. */
export function tempDir(prefix = 'kwd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Retries because a just-closed log segment can still be held for a moment on slow disks. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
