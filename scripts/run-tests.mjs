// Runs every *.test.ts under the given folders (default: test/) with Node's own test runner.
// Node 20's runner does not discover .ts files by itself, so we list them here.
//
// The tests run with TMPDIR pointing at a fresh directory of their own; whatever is left in it
// when they are done is a temp dir or file some test did not remove, and fails the run (listed
// by name, so the prefix tells which helper made it). The directory itself is removed either way.
// Only tsx's compile cache (tsx-<uid>, made by the loader, not by a test) is expected there.
// Chromium and the Python clients write their temporary files under TMPDIR too, and clean up
// after themselves; Java ignores TMPDIR (java.io.tmpdir is /tmp).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compareVersions, minimumNodeVersion, testRunnerArgs } from './test-flags.mjs';
import { unreportedTests } from './lib/test-audit-reporter.mjs';

/** Entries a run may leave in its TMPDIR without a test being at fault. */
const EXPECTED_TMP_ENTRIES = [/^tsx-\d+$/];

const needed = minimumNodeVersion();
if (compareVersions(process.versions.node, needed) < 0) {
  const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8'));
  console.error(`the tests need Node ${needed} or newer (engines.node: ${pkg.engines?.node}); this is ${process.version}`);
  process.exit(1);
}

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

const runTmp = mkdtempSync(join(tmpdir(), 'kwd-test-run-'));
// Outside runTmp, so that it is not taken for a test's leftover.
const auditDir = mkdtempSync(join(tmpdir(), 'kwd-test-audit-'));
const auditFile = join(auditDir, 'tests.jsonl');
// Made up front: a run whose files all exit before reporting anything must still be audited.
writeFileSync(auditFile, '');
const reporterArgs = [
  '--test-reporter-destination=stdout',
  `--test-reporter=${join(dirname(fileURLToPath(import.meta.url)), 'lib', 'test-audit-reporter.mjs')}`,
  // It writes to KWD_TEST_AUDIT_FILE itself and yields nothing here.
  '--test-reporter-destination=stderr',
];
let leftovers = [];
let unreported = [];
let status;
try {
  const result = spawnSync(process.execPath, [...testRunnerArgs(), ...reporterArgs, ...passThrough, ...files], {
    stdio: 'inherit',
    env: { ...process.env, TMPDIR: runTmp, KWD_TEST_AUDIT_FILE: auditFile },
  });
  status = result.status ?? 1;
  leftovers = readdirSync(runTmp).filter((name) => !EXPECTED_TMP_ENTRIES.some((re) => re.test(name)));
  unreported = unreportedTests(readFileSync(auditFile, 'utf8').split('\n'), files.map((f) => resolve(f)));
} finally {
  rmSync(runTmp, { recursive: true, force: true, maxRetries: 3 });
  rmSync(auditDir, { recursive: true, force: true });
  if (kafka && kafka.exitCode === null) {
    const exited = new Promise((r) => kafka.on('exit', r));
    kafka.kill('SIGTERM');
    await exited;
  }
}
if (unreported.length > 0) {
  console.error(`\ntest files ended before reporting every test (the runner counted them as passed): ${unreported.length} lost\n  ${unreported.join('\n  ')}`);
  status = status === 0 ? 1 : status;
}
if (leftovers.length > 0) {
  console.error(`\nthe tests left ${leftovers.length} temp entr${leftovers.length === 1 ? 'y' : 'ies'} behind in TMPDIR (removed now): ${leftovers.join(', ')}`);
  process.exit(status === 0 ? 1 : status);
}
process.exit(status);
