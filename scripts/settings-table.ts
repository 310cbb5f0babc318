/**
 * Prints README's settings table as src/config.ts's SETTINGS renders it; `--write` puts it into
 * README.md in place of the current table (test/unit/app/settings-docs.test.ts fails until it does).
 *
 *   npx tsx scripts/settings-table.ts --write
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingsTableMarkdown } from '../src/config.js';

const README = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const HEADER = '| key | env var | flag | default | meaning |';

const table = settingsTableMarkdown();
if (!process.argv.includes('--write')) {
  process.stdout.write(`${table}\n`);
} else {
  const lines = fs.readFileSync(README, 'utf8').split('\n');
  const start = lines.indexOf(HEADER);
  if (start === -1) throw new Error(`README.md has no line "${HEADER}" to replace`);
  let end = start;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  lines.splice(start, end - start, ...table.split('\n'));
  fs.writeFileSync(README, lines.join('\n'));
  console.log(`README.md: settings table rewritten (${end - start} -> ${table.split('\n').length} lines)`);
}
