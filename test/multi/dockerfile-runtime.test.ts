/**
 * What the Dockerfile's runtime stage would run, without Docker: the files its COPY lines name
 * laid out in a temp directory as /app, dist/ compiled by the build stage's `npm run build`
 * (tsconfig.build.json), and `node dist/main.js` started with the image's ENV plus app1's
 * environment from docker-compose.yml (only KAFKA_BROKERS and PORT changed to reach a local
 * broker). The image's HEALTHCHECK command is run as written.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { parseDockerfile } from '../unit/ops/dockerfile.js';
import { AppProcess, freePort, ProcessSet, ROOT, tempDir, waitFor } from './harness.js';

const procs = new ProcessSet();
let broker: TestBroker;
let appDir: string;
let buildResult: { status: number | null; output: string };

const stages = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const instructions = (name: string) => runtime.instructions.filter((i) => i.instr === name).map((i) => i.args);

/** `ENV A=1 B=2` (the only form our Dockerfile uses). */
const imageEnv: Record<string, string> = Object.fromEntries(
  instructions('ENV').flatMap((args) => args.split(' ').map((kv) => kv.split('=') as [string, string])),
);
const healthcheck = JSON.parse(instructions('HEALTHCHECK')[0]!.replace(/^.*?CMD /, '')) as string[];
const command = JSON.parse(instructions('CMD')[0]!) as string[];

before(async () => {
  broker = await startTestBroker();
  appDir = procs.dir(tempDir('kwd-image-'));
  for (const args of instructions('COPY')) {
    if (args.startsWith('--from=')) continue;
    const parts = args.split(' ');
    const dest = path.join(appDir, parts.at(-1)!);
    for (const src of parts.slice(0, -1)) {
      const target = dest.endsWith(path.sep) || parts.length > 2 ? path.join(dest, path.basename(src)) : dest;
      fs.cpSync(path.join(ROOT, src), target, { recursive: true });
    }
  }
  // Stands in for `npm ci --omit=dev`; the test below checks that dist needs nothing else.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(appDir, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  buildResult = { status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` };
});

after(async () => {
  procs.killAll();
  await broker?.cleanup();
});

function runHealthcheck(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const [bin, ...args] = healthcheck;
    assert.equal(bin, 'node');
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: 'ignore' });
    child.on('exit', (code) => resolve(code));
  });
}

test('the build stage compiles src/ without errors', () => {
  assert.equal(buildResult.status, 0, buildResult.output);
  assert.ok(fs.existsSync(path.join(appDir, command.at(-1)!)), `${command.at(-1)} exists`);
});

test('compiled code imports only production dependencies (npm ci --omit=dev is enough)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
  const bad: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.js')) {
        const text = fs.readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
          const spec = m[1] ?? m[2]!;
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          seen.add(name);
          if (!allowed.has(name)) bad.push(`${path.relative(appDir, file)}: ${spec}`);
        }
      }
    }
  };
  walk(path.join(appDir, 'dist'));
  assert.deepEqual(bad, []);
  // The scan found the imports at all (a broken pattern would pass vacuously).
  for (const name of ['kafkajs', 'express', 'pino', 'zod']) assert.ok(seen.has(name), `saw an import of ${name}`);
});

test('the runtime layout starts with the image ENV + compose environment; HEALTHCHECK and SIGTERM behave', { timeout: 60_000 }, async () => {
  assert.equal(buildResult.status, 0, buildResult.output);
  const compose = parseYaml(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment: Record<string, string | number> }>;
  };
  const composeEnv = Object.fromEntries(
    Object.entries(compose.services.app1!.environment).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
  );
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...imageEnv,
    ...composeEnv,
    KAFKA_BROKERS: broker.brokers[0]!,
    PORT: String(port),
    KAFKA_GROUP_ID: 'image-test-group',
  };
  assert.equal(env.HOST, '0.0.0.0');
  assert.equal(env.NODE_ENV, 'production');

  assert.equal(await runHealthcheck(port), 1, 'unhealthy while nothing listens');

  const [bin, ...args] = command;
  assert.equal(bin, 'node');
  const child = spawn(process.execPath, args, { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.add(child.pid);
  const app = new AppProcess(child);
  try {
    await app.listening();
    assert.equal(app.instanceId, 'localhost:6001', 'INSTANCE_ID from compose');
    await waitFor('HEALTHCHECK passes', async () => (await runHealthcheck(port)) === 0, 30_000, 250);
    await app.ready();

    // Views and static files resolve next to dist/, as in the image.
    const home = await fetch(`${app.url}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<html/i);

    const sent = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'k', value: 'from the compiled build' }),
    });
    assert.equal(sent.status, 201, await sent.text());
    await waitFor('message consumed', async () => {
      const { messages } = await app.json<{ messages: Array<{ value: string }> }>('/api/messages');
      return messages.some((m) => m.value === 'from the compiled build');
    });

    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(app.logged('stopped'), 'graceful shutdown completed');
    assert.equal(await runHealthcheck(port), 1, 'unhealthy once stopped');
  } catch (err) {
    process.stderr.write(`--- app output ---\n${app.stdout()}\n${app.stderr()}\n`);
    throw err;
  } finally {
    if (app.running) await app.stop('SIGKILL');
  }
});
