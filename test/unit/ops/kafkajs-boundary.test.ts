/**
 * src/kafka/gateway/ is the only place in src/ that may import kafkajs (GUIDE.md, architecture):
 * everything else goes through the gateway's interfaces, so kafkajs quirks stay in one folder.
 * Static imports, `export ... from`, `import()` and `require()` all count, type-only ones too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GATEWAY = path.join(ROOT, 'src', 'kafka', 'gateway') + path.sep;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const isKafkajs = (specifier: string) => specifier === 'kafkajs' || specifier.startsWith('kafkajs/');

/** Places in `text` that load kafkajs, as file:line. */
function kafkajsImports(file: string, text: string): string[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (n: ts.Node) => found.push(`${path.relative(ROOT, file)}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1}`);
  const visit = (n: ts.Node) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      if (isKafkajs(n.moduleSpecifier.text)) at(n);
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const e = n.moduleReference.expression;
      if (ts.isStringLiteral(e) && isKafkajs(e.text)) at(n);
    } else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      const arg = n.arguments[0];
      if (arg && ts.isStringLiteralLike(arg) && isKafkajs(arg.text)) at(n);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal) && isKafkajs(n.argument.literal.text)) {
      at(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return found;
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
