// The Node flags scripts/run-tests.mjs runs the test files with, and for each the first Node 20
// release that has it (from the "added:" notes of Node's doc/api/cli.md and CHANGELOG_V20.md).
// package.json's engines.node must name the newest of these; test/unit/ops/test-runner.test.ts
// checks that, and run-tests.mjs refuses to start on an older Node with a message instead of
// failing with "bad option".
export const TEST_RUNNER_FLAGS = [
  // added v19.0.0, so present in every Node 20
  { args: ['--import', 'tsx'], since: '20.0.0' },
  // Keeps --test-force-exit from dropping a file's last results (see the file's comment).
  { args: ['--import', new URL('./lib/blocking-test-output.mjs', import.meta.url).href], since: '20.0.0' },
  // added v18.1.0; stable (no longer experimental) in v20.0.0
  { args: ['--test'], since: '20.0.0' },
  // added v19.6.0 / v18.15.0
  { args: ['--test-reporter=spec'], since: '20.0.0' },
  // added v20.10.0
  { args: ['--test-concurrency=1'], since: '20.10.0' },
  // added v20.11.0. A hung test fails after 4 minutes.
  { args: ['--test-timeout=240000'], since: '20.11.0' },
  // added v20.14.0. A file whose tests are done exits even if a leaked handle would keep it
  // alive, so one bad test cannot stall the whole run.
  { args: ['--test-force-exit'], since: '20.14.0' },
];

/** "20.14.0" -> [20, 14, 0] */
export function parseVersion(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareVersions(a, b) {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** The oldest Node release that has every flag above. */
export function minimumNodeVersion(flags = TEST_RUNNER_FLAGS) {
  return flags.map((f) => f.since).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}

export function testRunnerArgs(flags = TEST_RUNNER_FLAGS) {
  return flags.flatMap((f) => f.args);
}
