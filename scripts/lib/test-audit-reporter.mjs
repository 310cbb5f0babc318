import { appendFileSync } from 'node:fs';

// A second reporter beside `spec`, for scripts/run-tests.mjs: it writes one JSON line per test
// the runner announced (enqueue) and per test that reported a result (pass or fail), to the file
// named by KWD_TEST_AUDIT_FILE. It appends synchronously rather than yielding to a reporter
// destination: --test-force-exit ends the runner before a destination stream is flushed.
//
// Why: Node 20's runner takes a test file's exit code as that file's verdict. A file that exits
// with 0 part-way (process.exit(0) in a test or a library, a worker taking the process down with
// it) is reported as passed, and the tests it never reached simply do not appear in the output.
// Comparing the announced tests with the reported ones finds them.
export default async function* auditReporter(source) {
  const file = process.env.KWD_TEST_AUDIT_FILE;
  if (!file) throw new Error('test-audit-reporter: KWD_TEST_AUDIT_FILE is not set');
  for await (const event of source) {
    const kind = { 'test:enqueue': 'announced', 'test:pass': 'passed', 'test:fail': 'failed' }[event.type];
    // The file itself is announced as a test named after its path; its verdict is the exit code,
    // which the runner already checks.
    if (!kind || event.data.name === event.data.file) continue;
    appendFileSync(file, `${JSON.stringify({ kind, file: event.data.file ?? '', nesting: event.data.nesting, name: event.data.name })}\n`);
  }
}

/**
 * What the run lost, from the reporter's lines: each test announced but never reported
 * ("file > name", tests of the same name in one file counted one by one), and each of `files`
 * (absolute paths) that reported no test at all: a file that exits at once loses even its
 * announcements, and only its own verdict (passed) reaches the runner.
 */
export function unreportedTests(lines, files = []) {
  const open = new Map();
  const seen = new Set();
  for (const line of lines) {
    if (!line.trim()) continue;
    const e = JSON.parse(line);
    seen.add(e.file);
    const key = `${e.file}\u0000${e.nesting}\u0000${e.name}`;
    open.set(key, (open.get(key) ?? 0) + (e.kind === 'announced' ? 1 : -1));
  }
  const missing = [];
  for (const [key, count] of open) {
    const [file, , name] = key.split('\u0000');
    for (let i = 0; i < count; i++) missing.push(`${file} > ${name}`);
  }
  for (const file of files) if (!seen.has(file)) missing.push(`${file} > (no test reported)`);
  return missing;
}
