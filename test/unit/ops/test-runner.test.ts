/**
 * scripts/run-tests.mjs: the Node it needs is the one package.json promises, and a run that
 * leaves temp dirs behind fails (the runner gives the tests a TMPDIR of their own and checks it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain .mjs script without type declarations
import { TEST_RUNNER_FLAGS, compareVersions, minimumNodeVersion, testRunnerArgs } from '../../../scripts/test-flags.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RUNNER = path.join(ROOT, 'scripts', 'run-tests.mjs');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const flags = TEST_RUNNER_FLAGS as Array<{ args: string[]; since: string }>;

test('engines.node is the first Node 20 release that has every flag the test runner passes', () => {
  assert.equal(minimumNodeVersion(), '20.14.0', '--test-force-exit arrived in 20.14.0');
  assert.equal(pkg.engines.node, `>=${minimumNodeVersion()}`);
  const passed = (testRunnerArgs() as string[]).filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]);
  for (const flag of ['--import', '--test', '--test-reporter', '--test-concurrency', '--test-timeout', '--test-force-exit']) {
    assert.ok(passed.includes(flag), `${flag} is among the runner's flags`);
  }
  for (const f of flags) assert.match(f.since, /^20\.\d+\.\d+$/, `${f.args[0]}: a Node 20 release`);
  assert.ok(compareVersions(process.versions.node, minimumNodeVersion()) >= 0, 'this Node satisfies engines.node');
  // The runner builds its command line from the table (so the two cannot drift apart).
  assert.match(fs.readFileSync(RUNNER, 'utf8'), /\.\.\.testRunnerArgs\(\)/);
});

test('version comparison orders by major, minor, patch as numbers', () => {
  assert.ok(compareVersions('20.14.0', '20.9.0') > 0);
  assert.ok(compareVersions('20.10.1', '20.10.0') > 0);
  assert.equal(compareVersions('v20.14.0', '20.14.0'), 0);
  assert.equal(minimumNodeVersion([{ args: [], since: '20.2.0' }, { args: [], since: '20.10.0' }]), '20.10.0');
});

function runFixture(name: string) {
  // Without NODE_TEST_CONTEXT the nested `node --test` runs its files instead of deferring to us.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const res = spawnSync(process.execPath, [RUNNER, path.join('test', 'unit', 'ops', 'fixtures', name)], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status, output: `${res.stdout}\n${res.stderr}` };
}

const runDirs = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('kwd-test-run-'));

test('a run whose tests leave a temp dir behind fails and names it; a clean run passes', () => {
  const before = runDirs();
  const leaky = runFixture('leaves-temp-dir.ts');
  assert.equal(leaky.status, 1, leaky.output);
  assert.match(leaky.output, /left 1 temp entry behind in TMPDIR \(removed now\): forgotten-by-fixture-\w+/);

  const clean = runFixture('cleans-up.ts');
  assert.equal(clean.status, 0, clean.output);
  assert.doesNotMatch(clean.output, /temp entr/);
  assert.deepEqual(runDirs(), before, "the runner removes its own TMPDIR, leftovers included");
});

test('a file that exits with status 0 before its tests are done fails the run and names what was lost', () => {
  const early = runFixture('exits-early.ts');
  assert.equal(early.status, 1, early.output);
  // Which of the two it is depends on how much of the file's report was flushed before it
  // exited; either way the run fails and says which file.
  assert.match(early.output, /test files ended before reporting every test/);
  assert.match(early.output, /exits-early\.ts > (never reached|\(no test reported\))/);
  assert.doesNotMatch(early.output, /exits-early\.ts > runs and passes/);
});

test("a file's whole report reaches the runner although --test-force-exit ends the file at once", () => {
  const run = runFixture('long-report.ts');
  const tail = run.output.slice(-3000).replace(/x{100,}/g, 'x…');
  assert.equal(run.status, 0, tail);
  assert.doesNotMatch(run.output, /test files ended before reporting every test/, tail);
  assert.match(run.output, /ℹ pass 40\b/, tail);
});
