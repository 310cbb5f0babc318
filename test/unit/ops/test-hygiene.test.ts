/**
 * Rules a reviewer easily misses, checked on the source text.
 *
 * - The test suite itself: an `assert.rejects` or `assert.throws` without the expected error
 *   passes on any failure at all (a typo, a timeout, a refused connection), so every one must
 *   say what it expects.
 * - The kafkajs boundary: src/kafka/gateway/ is the only place in src/ that may load kafkajs, so
 *   its quirks stay in one folder. Static imports, `export ... from`, `import()`, `require()` and
 *   `import('kafkajs').X` types all count.
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

/** Calls `check` on every node of `text`; what it reports is listed as file:line. */
function findNodes(file: string, text: string, check: (n: ts.Node, src: ts.SourceFile) => boolean): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    if (check(n, src)) found.push(`${path.relative(ROOT, file)}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1}`);
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
}

/** `assert.rejects(x)` / `assert.throws(x)` calls with no second argument, as file:line. */
function bareAssertions(file: string, text: string): string[] {
  return findNodes(
    file,
    text,
    (n, src) =>
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      ['rejects', 'throws'].includes(n.expression.name.text) &&
      n.expression.expression.getText(src) === 'assert' &&
      n.arguments.length < 2,
  );
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

const GATEWAY = path.join(ROOT, 'src', 'kafka', 'gateway') + path.sep;
const isKafkajs = (specifier: string) => specifier === 'kafkajs' || specifier.startsWith('kafkajs/');

/** The module a node loads, if it loads one by a literal name. */
function loadedModule(n: ts.Node): string | undefined {
  if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) return n.moduleSpecifier.text;
  if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
    return n.moduleReference.expression.text;
  }
  if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
    const arg = n.arguments[0];
    return arg && ts.isStringLiteralLike(arg) ? arg.text : undefined;
  }
  if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) return n.argument.literal.text;
  return undefined;
}

/** Places in `text` that load kafkajs, as file:line. */
function kafkajsImports(file: string, text: string): string[] {
  return findNodes(file, text, (n) => {
    const m = loadedModule(n);
    return m !== undefined && isKafkajs(m);
  });
}

test('the finder spots every way of loading kafkajs, and nothing else', () => {
  const sample = [
    "import { Kafka } from 'kafkajs';",
    "import type { Admin } from 'kafkajs';",
    "export { logLevel } from 'kafkajs';",
    "const k = await import('kafkajs');",
    "const r = require('kafkajs/src/x');",
    "import k2 = require('kafkajs');",
    "type T = import('kafkajs').Consumer;",
    "import { x } from './kafkajs.js';",
    "const s = 'kafkajs';",
    "import { y } from 'kafkajs-extra';",
  ].join('\n');
  assert.deepEqual(kafkajsImports(path.join(ROOT, 'sample.ts'), sample), [1, 2, 3, 4, 5, 6, 7].map((l) => `sample.ts:${l}`));
});

test('outside src/kafka/gateway/, no file in src/ imports kafkajs', () => {
  const files = tsFiles(path.join(ROOT, 'src'));
  const outside = files.filter((f) => !f.startsWith(GATEWAY)).flatMap((f) => kafkajsImports(f, fs.readFileSync(f, 'utf8')));
  assert.deepEqual(outside, []);
  // The rule is about a folder that exists and does import kafkajs; a rename must update it.
  assert.ok(files.some((f) => f.startsWith(GATEWAY) && kafkajsImports(f, fs.readFileSync(f, 'utf8')).length > 0));
});

const BROKER = path.join(ROOT, 'src', 'broker') + path.sep;
const BROKER_CLI = path.join(BROKER, 'cli.ts');

test('the broker library loads no logging package: it takes a BrokerLogger; only its CLI (an executable) picks pino', () => {
  const isPino = (m: string) => m === 'pino' || m.startsWith('pino/') || m.startsWith('pino-');
  const loads = (f: string) => findNodes(f, fs.readFileSync(f, 'utf8'), (n) => {
    const m = loadedModule(n);
    return m !== undefined && isPino(m);
  });
  const files = tsFiles(path.join(ROOT, 'src')).filter((f) => f.startsWith(BROKER));
  assert.deepEqual(files.filter((f) => f !== BROKER_CLI).flatMap(loads), []);
  assert.ok(loads(BROKER_CLI).length > 0, 'the rule is about the CLI that does use pino; a change there must update it');
});

/**
 * One set of test helpers: temp dirs come from test/helpers/temp.ts and condition waits from
 * test/helpers/wait.ts, so a fix to either (a retry on removal, a better timeout message) reaches
 * every suite. Fixtures of the runner's own tests make stray dirs on purpose.
 */
test('tests make temp dirs and wait for conditions only through the shared helpers', () => {
  const TEMP = path.join(ROOT, 'test', 'helpers', 'temp.ts');
  const WAIT = path.join(ROOT, 'test', 'helpers', 'wait.ts');
  const FIXTURES = path.join(ROOT, 'test', 'unit', 'ops', 'fixtures');
  const files = tsFiles(path.join(ROOT, 'test')).filter((f) => !f.includes(`${path.sep}node_modules${path.sep}`) && !f.startsWith(FIXTURES));
  const mkdtemps = (f: string) => findNodes(f, fs.readFileSync(f, 'utf8'), (n) =>
    ts.isCallExpression(n) && /(^|\.)mkdtemp(Sync)?$/.test(n.expression.getText()));
  const ownWaits = (f: string) => findNodes(f, fs.readFileSync(f, 'utf8'), (n) =>
    (ts.isFunctionDeclaration(n) || ts.isVariableDeclaration(n)) && n.name !== undefined && ts.isIdentifier(n.name) && n.name.text === 'waitFor');
  assert.deepEqual(files.filter((f) => f !== TEMP).flatMap(mkdtemps), []);
  assert.deepEqual(files.filter((f) => f !== WAIT).flatMap(ownWaits), []);
  assert.equal(mkdtemps(TEMP).length, 1, 'the rule is about the helper that does call mkdtemp');
  assert.equal(ownWaits(WAIT).length, 1, 'the rule is about the helper that does define waitFor');
});
