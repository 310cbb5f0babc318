/**
 * package.json and package-lock.json agree the way npm 11 writes them, so `npm install` on a
 * fresh clone leaves the lock file unchanged, and every dependency install script npm would run
 * is declared in `allowScripts` (npm 11 skips undeclared ones and warns on every install).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(ROOT, f), 'utf8'));

interface Manifest {
  name: string;
  version: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}
const pkg = read('package.json') as Manifest;
const lock = read('package-lock.json') as {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, Manifest & { hasInstallScript?: boolean }>;
};

test('the lock file root mirrors package.json as npm 11 records it', () => {
  assert.equal(lock.lockfileVersion, 3);
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  const root = lock.packages['']!;
  // npm lists an optional dependency under optionalDependencies only (older npm also put it
  // under dependencies, which npm 11 rewrites on every install).
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'engines'] as const) {
    assert.deepEqual(root[field] ?? {}, pkg[field] ?? {}, field);
  }
  for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies })) {
    assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `${name} is locked at the exact version package.json names`);
  }
});

/** Does an allowScripts key ("pkg" or "pkg@1.2.3") cover this package at this version? */
function covers(key: string, name: string, version: string): boolean {
  const at = key.lastIndexOf('@');
  return at > 0 ? key.slice(0, at) === name && key.slice(at + 1) === version : key === name;
}

test('every dependency with an install script is declared in allowScripts, and nothing else is', () => {
  const withScripts = Object.entries(lock.packages)
    .filter(([where, p]) => where !== '' && p.hasInstallScript)
    .map(([where, p]) => ({ name: where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length), version: p.version }));
  assert.ok(withScripts.some((p) => p.name === 'esbuild'), "tsx's esbuild has a postinstall script (it checks its platform binary)");
  const allow = pkg.allowScripts ?? {};
  for (const p of withScripts) {
    const entry = Object.keys(allow).find((k) => covers(k, p.name, p.version));
    assert.ok(entry, `${p.name}@${p.version} has an install script that allowScripts does not declare`);
    assert.equal(typeof allow[entry], 'boolean');
  }
  for (const key of Object.keys(allow)) {
    assert.ok(withScripts.some((p) => covers(key, p.name, p.version)), `allowScripts entry ${key} matches no locked package with an install script`);
  }
});
