// Runs every *.test.ts under the given folders (default: test/) with Node's own test runner.
// Node 20's runner does not discover .ts files by itself, so we list them here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    // test/compat/platformatic installs its own client packages; their tests are not ours.
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules') walk(path);
    }
    else if (name.endsWith('.test.ts')) files.push(path);
  }
}
for (const root of roots.length ? roots : ['test']) {
  if (statSync(root).isFile()) files.push(root);
  else walk(root);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=1',
    // A hung test fails after 4 minutes, and a file whose tests are done exits even if a leaked
    // handle would keep it alive, so one bad test cannot stall the whole run.
    '--test-timeout=240000',
    '--test-force-exit',
    ...passThrough,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
