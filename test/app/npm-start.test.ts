/**
 * `npm start` is what the README tells a newcomer to run, `npm run broker` the standalone broker: both
 * must run the compiled JavaScript in dist/ (built by their pre-step when src/ changed), not compile
 * TypeScript at run time.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
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


interface Launched {
  /** The first JSON log line with `msg`, from the node process npm started. */
  ready: { msg?: string; pid?: number; url?: string };
  exited: Promise<number | null>;
  output(): string;
}

/** Runs `npm <args>` as a newcomer would and waits for the log line `readyMsg` (or npm's early exit). */
async function launch(args: string[], env: Record<string, string>, readyMsg: string): Promise<Launched> {
  const child = spawn('npm', args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
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
    `"${readyMsg}"`,
    () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Launched['ready'])
        .find((l) => l.msg === readyMsg),
    180_000,
  );
  // A failed build ends npm at once: report that instead of waiting out the bound.
  const died = exited.then((code) => {
    throw new Error(`npm ${args.join(' ')} exited with code ${code} before "${readyMsg}"`);
  });
  died.catch(() => {}); // once the process is up, its later exit is expected
  const ready = await Promise.race([listening, died]).catch((e: Error) => assert.fail(`${e.message}\nstdout:\n${out.slice(-2000)}\nstderr:\n${err.slice(-2000)}`));
  pids.add(ready.pid!);
  return { ready, exited, output: () => out };
}

/** The process runs `entry` under plain node, with no run-time TypeScript compiler loaded. */
function assertCompiled(pid: number, entry: string): void {
  const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  assert.equal(path.basename(argv[0]!), 'node', `it runs under node: ${argv.join(' ')}`);
  assert.ok(argv.includes(entry), `the compiled entry point runs: ${argv.join(' ')}`);
  assert.ok(!argv.some((a) => a.includes('tsx')), `no run-time TypeScript compiler: ${argv.join(' ')}`);
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', '.build-stamp')), 'the pre-step recorded its build');
}

test('npm start builds dist/ when needed and runs the compiled entry point with node, not tsx', async () => {
  const dataDir = tempDir('kwd-npm-start-');
  dirs.push(dataDir);
  const app = await launch(
    ['start', '--silent'],
    {
      KAFKA_BROKERS: 'embedded',
      EMBEDDED_PORT: String(await freePort()),
      EMBEDDED_DATA_DIR: dataDir,
      PORT: '0',
      SESSION_SECRET: 'npm-start-session-secret',
      CSRF_SECRET: 'npm-start-csrf-secret-xxxx',
    },
    'web app listening',
  );
  assertCompiled(app.ready.pid!, 'dist/main.js');

  assert.equal((await fetch(`${app.ready.url}/healthz`)).status, 200);
  process.kill(app.ready.pid!, 'SIGTERM');
  assert.equal(await app.exited, 0);
  assert.match(app.output(), /"msg":"stopped"/);
});

test('npm run broker runs the compiled broker CLI with node, not tsx', async () => {
  const dataDir = tempDir('kwd-npm-broker-');
  dirs.push(dataDir);
  const port = await freePort();
  const broker = await launch(['run', 'broker', '--silent', '--', '--port', String(port), '--data-dir', dataDir], {}, 'embedded Kafka broker listening');
  assertCompiled(broker.ready.pid!, 'dist/broker/cli.js');

  // It speaks Kafka: an ApiVersions v0 request gets a response with error code 0.
  const answer = await new Promise<Buffer>((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      const req = Buffer.alloc(4 + 10);
      req.writeInt32BE(10, 0); // size
      req.writeInt16BE(18, 4); // ApiVersions
      req.writeInt16BE(0, 6); // v0
      req.writeInt32BE(7, 8); // correlation id
      req.writeInt16BE(-1, 12); // null client id
      sock.write(req);
    });
    let got = Buffer.alloc(0);
    sock.on('data', (b) => {
      got = Buffer.concat([got, b]);
      if (got.length >= 4 && got.length >= 4 + got.readInt32BE(0)) {
        sock.end();
        resolve(got);
      }
    });
    sock.on('error', reject);
  });
  assert.equal(answer.readInt32BE(4), 7, 'the correlation id comes back');
  assert.equal(answer.readInt16BE(8), 0, 'ApiVersions answers without an error');

  process.kill(broker.ready.pid!, 'SIGTERM');
  assert.equal(await broker.exited, 0);
  assert.match(broker.output(), /"msg":"embedded Kafka broker stopped"/);
});
