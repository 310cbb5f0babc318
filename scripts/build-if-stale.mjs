// `npm start` runs compiled JavaScript (dist/), so this `prestart` step compiles src/ only when a
// source or compiler setting is newer than the last build: a fresh clone builds once (~10-20 s),
// later starts cost one directory walk. tsc's own --incremental still spends seconds on a no-op.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted file shows up as a newer directory mtime
  for (const name of readdirSync(path)) max = Math.max(max, newest(join(path, name)));
  return max;
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : -1;
const latest = Math.max(...inputs.map((p) => newest(join(root, p))));
if (built >= latest) process.exit(0);

console.error('building dist/ (src/ changed since the last build)…');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build failed: fix the TypeScript errors above, or run `npm run dev` to start from source');
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
console.error(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
