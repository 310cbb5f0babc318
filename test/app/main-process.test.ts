/**
 * The real entry point as a child process: configuration errors, embedded-broker start/join,
 * and graceful shutdown on SIGTERM.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, waitFor } from './harness.js';
import { freePort } from '../helpers/ports.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'main.ts');
const TSX = import.meta.resolve('tsx');
const children = new Set<ChildProcess>();
const dirs: string[] = [];

after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs src/main.ts in an empty directory (no config file, no .env), with only `env` set. */
function run(env: Record<string, string>, args: string[] = []): Started {
  const cwd = tempDir('kwd-main-');
  dirs.push(cwd);
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: Array<Record<string, unknown>> = [];
  let err = '';
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  // 'close', not 'exit': the last log lines ("stopped") can still be in the pipe at 'exit'.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, lines, stderr: () => err, exited };
}

const logged = (s: Started, msg: string) => s.lines.find((l) => l.msg === msg);


test('a bad setting stops the app with a message naming the field and its source', async () => {
  const bad = run({ PORT: 'abc' }, ['--topic', 'no spaces allowed']);
  const { code } = await bad.exited;
  assert.equal(code, 2);
  assert.match(bad.stderr(), /PORT \(environment\): must be an integer 0-65535/);
  assert.match(bad.stderr(), /--topic \(command line\): may only contain letters/);
});

test('--help lists every setting with its flag and environment variable, and exits 0', async () => {
  const help = run({}, ['--help']);
  const chunks: string[] = [];
  help.child.stdout!.on('data', (c: string) => chunks.push(c));
  assert.equal((await help.exited).code, 0);
  const text = help.lines.map((l) => String(l.raw ?? '')).join('\n') + chunks.join('');
  assert.match(text, /Usage: npm start/);
  assert.match(text, /--group-id, KAFKA_GROUP_ID\s+kafka\.groupId/);
  assert.match(text, /--port, PORT\s+http\.port/);
});

test('embedded mode: the first instance starts the broker, a second one joins it; SIGTERM stops both gracefully', async () => {
  const brokerPort = String(await freePort());
  const dataDir = tempDir('kwd-main-data-');
  dirs.push(dataDir);
  const common = {
    KAFKA_BROKERS: 'embedded',
    EMBEDDED_PORT: brokerPort,
    EMBEDDED_DATA_DIR: dataDir,
    PORT: '0',
    SESSION_SECRET: 'main-process-session-secret',
    CSRF_SECRET: 'main-process-csrf-secret-xx',
  };

  const first = run({ ...common, KAFKA_GROUP_ID: 'main-a' });
  const firstUp = await waitFor('first instance listening', () => logged(first, 'web app listening'), 30_000);
  assert.equal(firstUp.broker, 'embedded-started');
  assert.ok(logged(first, 'started the embedded Kafka broker in this process'));
  const firstUrl = String(firstUp.url);

  const second = run({ ...common, KAFKA_GROUP_ID: 'main-b', INSTANCE_ID: 'second' });
  const secondUp = await waitFor('second instance listening', () => logged(second, 'web app listening'), 30_000);
  assert.equal(secondUp.broker, 'embedded-joined');
  assert.ok(logged(second, 'a Kafka broker already answers on the embedded address; joining it'));
  const secondUrl = String(secondUp.url);

  for (const url of [firstUrl, secondUrl]) {
    await waitFor(`${url} ready`, async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
  }
  const sent = await fetch(`${secondUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value: 'through the shared broker' }),
  });
  assert.equal(sent.status, 201);
  // Different groups: each instance reads the whole topic itself.
  for (const url of [firstUrl, secondUrl]) {
    await waitFor(`${url} consumed`, async () => {
      const { messages } = (await (await fetch(`${url}/api/messages`)).json()) as { messages: Array<{ value: string; instance: string }> };
      return messages.some((m) => m.value === 'through the shared broker');
    });
  }

  // The broker this app started accepts a value of exactly messages.maxBytes (1 MiB).
  const biggest = await fetch(`${firstUrl}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value: 'x'.repeat(1_048_576) }),
  });
  assert.equal(biggest.status, 201);

  second.child.kill('SIGTERM');
  const secondExit = await second.exited;
  assert.deepEqual(secondExit, { code: 0, signal: null });
  assert.ok(logged(second, 'stopped'));

  first.child.kill('SIGTERM');
  const firstExit = await first.exited;
  assert.deepEqual(firstExit, { code: 0, signal: null });
  // Exit code 0 means the graceful path finished; the 5 s hard stop exits with 1.
  assert.ok(logged(first, 'stopped'), 'graceful path completed');
  assert.ok(first.lines.some((l) => l.msg === 'embedded Kafka broker stopped'), 'the embedded broker was closed');
  await assert.rejects(
    fetch(`${firstUrl}/healthz`),
    (err: Error & { cause?: { code?: string } }) => err instanceof TypeError && err.cause?.code === 'ECONNREFUSED',
  );
});
