/**
 * Rules for the test suite itself that a reviewer easily misses: an `assert.rejects` or
 * `assert.throws` without the expected error passes on any failure at all (a typo, a timeout,
 * a refused connection), so every one must say what it expects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `assert.rejects(x)` / `assert.throws(x)` calls with no second argument, as file:line. */
function bareAssertions(file: string, text: string): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ['rejects', 'throws'].includes(n.expression.name.text) &&
      n.expression.expression.getText(src) === 'assert' &&
      n.arguments.length < 2
    ) {
      found.push(`${path.relative(ROOT, file)}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

test('the finder spots a bare assert.rejects and assert.throws, and accepts ones with an expectation', () => {
  const sample = [
    'await assert.rejects(p);',
    'assert.throws(() => f());',
    "await assert.rejects(p, { code: 'X' });",
    'assert.throws(() => f(), /boom/);',
  ].join('\n');
  assert.deepEqual(bareAssertions(path.join(ROOT, 'sample.ts'), sample), ['sample.ts:1', 'sample.ts:2']);
});

test('no assert.rejects or assert.throws in test/ without the error it expects', () => {
  const bare = tsFiles(path.join(ROOT, 'test')).flatMap((f) => bareAssertions(f, fs.readFileSync(f, 'utf8')));
  assert.deepEqual(bare, []);
});
