/**
 * What the app writes on stdout, through the real `src/main.ts` path with the embedded broker on
 * its worker thread: JSON lines when stdout is not a terminal (here a pipe), each key once per
 * object (JSON.parse keeps the last of two silently, so log tools disagree about such a line),
 * and readable lines with LOG_FORMAT=pretty, down to the last one of a shutdown. Neither format
 * ever carries a secret.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiMessages, freePort, postMessage, ProcessSet, spawnApp, tempDir, waitFor } from './harness.js';

const procs = new ProcessSet();
after(() => procs.killAll());

const SECRET = 'log-lines-session-secret-do-not-print-7f3a';

/** Keys that occur twice in one object of a JSON text, as "path.key"; throws if it is not JSON. */
export function duplicateKeys(text: string): string[] {
  let i = 0;
  const found: string[] = [];
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error('unterminated string');
      i += text[i] === '\\' ? 2 : 1;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = str();
        if (seen.has(key)) found.push(`${path}${key}`);
        seen.add(key);
        ws();
        if (text[i++] !== ':') throw new Error(`expected : at ${i - 1}`);
        value(`${path}${key}.`);
        ws();
        const next = text[i++];
        if (next === '}') return;
        if (next !== ',') throw new Error(`expected , or } at ${i - 1}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}${n}.`);
        ws();
        const next = text[i++];
        if (next === ']') return;
        if (next !== ',') throw new Error(`expected , or ] at ${i - 1}`);
      }
    }
    if (c === '"') return void str();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) throw new Error(`unexpected ${c} at ${i}`);
    i += m[0].length;
  };
  value('');
  ws();
  if (i !== text.length) throw new Error(`trailing text at ${i}`);
  return found;
}

test('the duplicate-key scanner finds a repeated key at any depth and accepts a clean line', () => {
  assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":[1,{"d":2,"d":3}]},"a":"x"}'), ['b.c.1.d', 'a']);
  assert.deepEqual(duplicateKeys('{"a":"q\\"uote","b":[],"c":{},"d":-1.5e3,"e":null}'), []);
  assert.throws(() => duplicateKeys('{"a":1'), /expected , or \}/);
});

test('piped stdout gets JSON lines with each key once, broker subsystems included, and no secret', async () => {
  const port = await freePort();
  const app = spawnApp(procs, {
    brokers: 'embedded',
    groupId: 'log-lines-group',
    topic: 'log-lines',
    instanceId: 'log-lines-json',
    env: { LOG_LEVEL: 'debug', EMBEDDED_PORT: String(port), EMBEDDED_DATA_DIR: procs.dir(tempDir('kwd-log-lines-')), SESSION_SECRET: SECRET },
  });
  await app.ready();
  const sent = await postMessage(app, { value: 'log line probe' });
  await waitFor('the probe consumed', async () => (await apiMessages(app)).find((m) => m.offset === String(sent.offset) && m.partition === sent.partition));
  const exit = await app.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());

  const lines = app.stdout().split('\n').filter(Boolean);
  const problems = lines.flatMap((line) => duplicateKeys(line).map((key) => `${key} twice in ${line}`));
  assert.deepEqual(problems, []);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  // The broker's own parts (storage, groups) log through the host's logger: the lines that used
  // to carry `component` twice.
  assert.ok(
    records.some((r) => r.component === 'broker' && typeof r.subsystem === 'string'),
    'a broker subsystem line is among them',
  );
  assert.equal(records.at(-1)?.msg, 'stopped');
  assert.ok(!app.stdout().includes(SECRET) && !app.stderr().includes(SECRET), 'the session secret is never logged');
});

test('LOG_FORMAT=pretty prints readable lines, the last line of a shutdown included, and no secret', async () => {
  const port = await freePort();
  const app = spawnApp(procs, {
    brokers: 'embedded',
    groupId: 'log-lines-group',
    topic: 'log-lines',
    instanceId: 'log-lines-pretty',
    env: { LOG_FORMAT: 'pretty', EMBEDDED_PORT: String(port), EMBEDDED_DATA_DIR: procs.dir(tempDir('kwd-log-lines-')), SESSION_SECRET: SECRET },
  });
  const url = await waitFor('the pretty listening line', () => {
    if (!app.running) throw new Error(`exited ${JSON.stringify(app.exit)}: ${app.stderr()}`);
    return /INFO.*web app listening[\s\S]*?url: "([^"]+)"/.exec(app.stdout())?.[1];
  });
  const res = await fetch(`${url}/healthz`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const exit = await app.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());

  const out = app.stdout();
  const lines = out.split('\n').filter(Boolean);
  assert.ok(lines.every((l) => !l.trimStart().startsWith('{')), `no JSON line:\n${out}`);
  assert.match(out, /INFO.*: signal received/);
  assert.match(lines.filter((l) => /^\[/.test(l)).at(-1) ?? '', /INFO.*: stopped/, 'the last line is there');
  assert.ok(!out.includes(SECRET), 'the session secret is never logged');
});
