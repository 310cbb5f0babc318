/**
 * docs/architecture.md is the one module map: every source file in src/ is named in its map (the
 * fenced block), so a reader finds the room for a change from the map alone, and a new file
 * cannot land without its row. The two one-file-per-API folders are named as folders; each of
 * their files is found through the handler table instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PER_API = ['src/broker/handlers/', 'src/broker/protocol/apis/'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [path.relative(ROOT, p)] : [];
  });
}

/** The fenced block after the title: the map itself, not the prose around it. */
function moduleMap(): string {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const block = /```\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/architecture.md has a fenced module map');
  return block[1]!;
}

const names = (map: string, file: string) => new RegExp(`(?<![\\w.-])${path.basename(file).replace(/[.]/g, '\\.')}(?![\\w-])`).test(map);

test('docs/architecture.md names every source file of src/ in its module map', () => {
  const map = moduleMap();
  const files = sourceFiles(path.join(ROOT, 'src'));
  assert.ok(files.length > 100, `found the sources (${files.length})`);
  const unnamed = files.filter((f) => !PER_API.some((dir) => f.startsWith(dir)) && !names(map, f));
  assert.deepEqual(unnamed, [], 'add a row (or a mention in its folder row) to docs/architecture.md');
});

test('the per-API folders are in the map, and the finder does not match a file name inside another', () => {
  const map = moduleMap();
  assert.match(map, /^\s+handlers\/\s/m);
  assert.match(map, /^\s+apis\/\s/m);
  assert.equal(names('  server.ts (listen)', 'src/web/server.ts'), true);
  assert.equal(names('  my-server.ts (listen)', 'src/web/server.ts'), false);
  assert.equal(names('  server.tsx', 'src/web/server.ts'), false);
  assert.equal(names('  serverXts', 'src/web/server.ts'), false);
});
