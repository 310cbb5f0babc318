/**
 * `npm start` is what the README tells a newcomer to run: it must run the compiled JavaScript in
 * dist/ (built by its `prestart` step when src/ changed), not compile TypeScript at run time.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, waitFor } from './harness.js';
import { freePort } from '../helpers/ports.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dirs: string[] = [];
const pids = new Set<number>();
after(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});


test('npm start builds dist/ when needed and runs the compiled entry point with node, not tsx', async () => {
  const dataDir = tempDir('kwd-npm-start-');
  dirs.push(dataDir);
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: 'embedded',
      EMBEDDED_PORT: String(await freePort()),
      EMBEDDED_DATA_DIR: dataDir,
      PORT: '0',
      SESSION_SECRET: 'npm-start-session-secret',
      CSRF_SECRET: 'npm-start-csrf-secret-xxxx',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pids.add(child.pid!);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

  // A build from scratch takes ~15 s on an idle machine and much longer under load.
  const listening = waitFor(
    'the app listening',
    () => {
      return out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; pid?: number; url?: string })
        .find((l) => l.msg === 'web app listening');
    },
    180_000,
  );
  // A failed build ends npm at once: report that instead of waiting out the bound.
  const died = exited.then((code) => {
    throw new Error(`npm start exited with code ${code} before the app listened`);
  });
  died.catch(() => {}); // once the app is up, its later exit is expected
  const up = await Promise.race([listening, died]).catch((e: Error) => assert.fail(`${e.message}\nstdout:\n${out.slice(-2000)}\nstderr:\n${err.slice(-2000)}`));
  pids.add(up.pid!);

  const argv = fs.readFileSync(`/proc/${up.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  assert.equal(path.basename(argv[0]!), 'node', `the app runs under node: ${argv.join(' ')}`);
  assert.ok(argv.includes('dist/main.js'), `the compiled entry point runs: ${argv.join(' ')}`);
  assert.ok(!argv.some((a) => a.includes('tsx')), `no run-time TypeScript compiler: ${argv.join(' ')}`);
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', '.build-stamp')), 'prestart recorded its build');

  assert.equal((await fetch(`${up.url}/healthz`)).status, 200);
  process.kill(up.pid!, 'SIGTERM');
  assert.equal(await exited, 0);
  assert.match(out, /"msg":"stopped"/);
});
