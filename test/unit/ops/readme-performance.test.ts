/**
 * Every figure in README's performance table comes from the committed run it cites: the table is
 * what bench/readme-table.ts renders from that bench/results file, and the commit README names is
 * the one the file says it measured.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CITATION, readmePerformanceTable, type PublishedRun } from '../../../bench/readme-table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function citedRun(): { file: string; commit: string; run: PublishedRun } {
  const m = CITATION.exec(readme);
  assert.ok(m, 'README cites its run as "The latest run, [`bench/results/<file>`](...) (commit `<sha>`)"');
  const file = path.join(ROOT, 'bench', 'results', m[1]!);
  assert.ok(fs.existsSync(file), `${m[1]} is committed under bench/results/`);
  return { file, commit: m[2]!, run: JSON.parse(fs.readFileSync(file, 'utf8')) as PublishedRun };
}

test('README names the commit its cited run measured', () => {
  const { commit, run } = citedRun();
  assert.equal(commit, run.revision.commit);
  assert.equal(run.revision.srcModified, false, 'a cited run measured committed code');
});

test("README's performance table is the one its cited run renders to", () => {
  const { file, run } = citedRun();
  const table = readmePerformanceTable(run);
  assert.ok(
    readme.includes(`\n${table}\n`),
    `README's table differs from ${path.relative(ROOT, file)}; run \`npx tsx bench/readme-table.ts ${path.relative(ROOT, file)} --write\``,
  );
});

test('a figure changed in the data changes the rendered table', () => {
  const { run } = citedRun();
  const changed: PublishedRun = { ...run, rows: run.rows.map((r) => (r.name === 'web produce ratio app / bare' ? { ...r, value: r.value + 0.5 } : r)) };
  assert.notEqual(readmePerformanceTable(changed), readmePerformanceTable(run));
  assert.throws(() => readmePerformanceTable({ ...run, rows: run.rows.filter((r) => r.name !== 'web produce ratio app / bare') }), /no row "web produce ratio app \/ bare"/);
});
