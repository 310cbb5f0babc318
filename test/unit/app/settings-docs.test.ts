/**
 * Each setting is declared once (CONFIG_FIELDS + DEFAULTS in src/config.ts) and documented twice:
 * README's table and .env.example. This keeps the three in agreement on names and defaults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FIELDS, DEFAULTS } from '../../../src/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const envExample = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
const defaultJson = JSON.parse(fs.readFileSync(path.join(root, 'config', 'default.json'), 'utf8')) as unknown;

function lookup(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

test('every setting has a README row naming its env var, and .env.example mentions it with the same default', () => {
  for (const f of CONFIG_FIELDS) {
    if (!f.env) continue;
    const row = readme
      .split('\n')
      .find((l) => l.startsWith('| ') && l.split('|').some((cell) => cell.trim().split(/,\s*/).includes(f.env!)));
    assert.ok(row, `README has a row for ${f.path}`);
    assert.ok(row.includes(f.env), `README row of ${f.path} names ${f.env}`);
    const def = lookup(DEFAULTS, f.path);
    assert.deepEqual(lookup(defaultJson, f.path), def, `config/default.json agrees with DEFAULTS on ${f.path}`);
    const envLine = new RegExp(`^#?\\s*${f.env}=(.*)$`, 'm').exec(envExample);
    assert.ok(envLine, `.env.example mentions ${f.env}`);
    if (typeof def === 'number') {
      assert.equal(envLine[1]!.trim(), String(def), `.env.example default of ${f.env}`);
      const cells = row.split('|').map((c) => c.trim());
      assert.ok(cells.includes(String(def)), `README default of ${f.path} is ${def}`);
    }
  }
});
