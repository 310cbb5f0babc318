/**
 * Each setting is declared once (SETTINGS in src/config.ts). README's table is rendered from it
 * (scripts/settings-table.ts --write), config/default.json ships its defaults, and .env.example
 * mentions each variable with its default; these tests keep all three equal to the declaration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FIELDS, DEFAULTS, settingsTableMarkdown } from '../../../src/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const envExample = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
const defaultJson = JSON.parse(fs.readFileSync(path.join(root, 'config', 'default.json'), 'utf8')) as unknown;

test("README's settings table is the one rendered from the settings declaration", () => {
  const table = settingsTableMarkdown();
  assert.ok(
    readme.includes(`\n${table}\n`),
    'README.md settings table differs from src/config.ts SETTINGS; run `npx tsx scripts/settings-table.ts --write`',
  );
  for (const f of CONFIG_FIELDS) assert.ok(table.includes(`| ${f.path} | ${f.env} |`), `the table has a row for ${f.path}`);
});

test('config/default.json ships exactly the defaults of the settings a file may set', () => {
  assert.deepEqual(defaultJson, JSON.parse(JSON.stringify(DEFAULTS)));
  for (const f of CONFIG_FIELDS.filter((x) => x.envOnly)) assert.equal(lookup(defaultJson, f.path), undefined, `${f.path} is environment-only`);
});

test('.env.example mentions every variable, with its default (secrets empty)', () => {
  for (const f of CONFIG_FIELDS) {
    const line = new RegExp(`^#?\\s*${f.env}=([^#\\n]*)`, 'm').exec(envExample);
    assert.ok(line, `.env.example mentions ${f.env}`);
    const shown = line[1]!.trim();
    const expected = f.default === undefined ? '' : String(f.default);
    assert.equal(shown, expected, `.env.example value of ${f.env}`);
  }
});

function lookup(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}
