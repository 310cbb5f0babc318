// Runs every *.test.ts under the given folders (default: test/) with Node's own test runner.
// Node 20's runner does not discover .ts files by itself, so we list them here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
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
// TEST_KAFKA=apache: one Apache Kafka for the whole run (starting one per file would cost a JVM
// start-up each); the tests find it through TEST_KAFKA_BOOTSTRAP and use unique names.
let kafka;
if ((process.env.TEST_KAFKA ?? '').toLowerCase() === 'apache' && !process.env.TEST_KAFKA_BOOTSTRAP) {
  const args = ['--import', 'tsx', 'scripts/kafka.ts', '--version', process.env.TEST_KAFKA_VERSION || '3.9.1'];
  kafka = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const bootstrap = await new Promise((resolve) => {
    const rl = createInterface({ input: kafka.stdout });
    rl.on('line', (line) => line.startsWith('bootstrap=') && resolve(line.slice('bootstrap='.length)));
    kafka.on('exit', () => resolve(undefined));
  });
  if (!bootstrap) {
    console.error('Apache Kafka did not start (its log tail is above)');
    process.exit(1);
  }
  kafka.stdout.resume();
  process.env.TEST_KAFKA_BOOTSTRAP = bootstrap;
  console.log(`tests run on Apache Kafka ${process.env.TEST_KAFKA_VERSION || '3.9.1'} at ${bootstrap}`);
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
if (kafka && kafka.exitCode === null) {
  const exited = new Promise((r) => kafka.on('exit', r));
  kafka.kill('SIGTERM');
  await exited;
}
process.exit(result.status ?? 1);
