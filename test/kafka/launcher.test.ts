/**
 * `npm run kafka` (scripts/kafka.ts) as a user runs it: the one `bootstrap=` line on stdout once
 * Kafka answers, a clean stop on SIGTERM, a kept --data-dir that the next run reuses, a one-line
 * error naming the Debian package when java or mvn is missing, and Kafka's own log tail when a
 * broker cannot start.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT, sharedBrokerSettings } from '../../scripts/lib/apache-kafka.js';
import { freePort } from '../helpers/ports.js';
import { tempDir, removeDir } from '../helpers/broker.js';
import { isAlive } from '../multi/harness.js';

const CLI = path.join(ROOT, 'scripts', 'kafka.ts');
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the CLI to completion (for the cases that exit by themselves). */
function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: r.signal };
}

/** Starts the CLI and resolves with its bootstrap line; `stop()` sends SIGTERM and waits. */
async function startCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no bootstrap line within 240 s\n${stderr}`)), 240_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const m = /^bootstrap=(\S+)\n/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((e) => reject(new Error(`exited before answering ${JSON.stringify(e)}\n${stderr}`)));
  });
  return {
    bootstrap,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const e = await exited;
      clearTimeout(timer);
      return e;
    },
  };
}

function javaPids(dataDir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(path.join(dataDir, 'node-1', 'server.properties'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('missing java or mvn: one line naming the Debian package, exit 1, nothing on stdout', () => {
  const empty = tempDir('no-tools-');
  dirs.push(empty);
  const noJava = runCli([], { ...process.env, PATH: empty });
  assert.equal(noJava.code, 1);
  assert.equal(noJava.stdout, '');
  assert.equal(noJava.stderr, 'kafka: java not found on PATH; install a JDK 17: apt-get install openjdk-17-jdk-headless\n');

  const javaOnly = tempDir('java-only-');
  dirs.push(javaOnly);
  const java = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).stdout.trim();
  fs.symlinkSync(fs.realpathSync(java), path.join(javaOnly, 'java'));
  const noMvn = runCli([], { ...process.env, PATH: javaOnly });
  assert.equal(noMvn.code, 1);
  assert.equal(noMvn.stdout, '');
  assert.equal(noMvn.stderr, 'kafka: mvn not found on PATH; install Maven: apt-get install maven\n');
});

test('bad flags are refused before anything starts', () => {
  const r = runCli(['--nodes', '2']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--nodes: expected 1 or 3, got '2'/);
  assert.equal(r.stdout, '');
});

test('--port and --data-dir: one bootstrap line, Kafka answers there, SIGTERM stops it, the next run reuses the data', { timeout: 600_000 }, async () => {
  const dataDir = tempDir('kafka-cli-');
  dirs.push(dataDir);
  const port = await freePort();
  const first = await startCli(['--port', String(port), '--data-dir', dataDir]);
  assert.equal(first.bootstrap, `127.0.0.1:${port}`);
  const kafka = new Kafka({ brokers: [first.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers.map((b) => `${b.host}:${b.port}`), [first.bootstrap]);
  await admin.createTopics({ topics: [{ topic: 'kept-topic', numPartitions: 2 }] });
  await admin.disconnect();

  const props = fs.readFileSync(path.join(dataDir, 'node-1', 'server.properties'), 'utf8');
  for (const [k, v] of Object.entries(sharedBrokerSettings(1))) assert.ok(props.includes(`\n${k}=${v}\n`) || props.startsWith(`${k}=${v}\n`), `server.properties has ${k}=${v}`);
  const pids = javaPids(dataDir);
  assert.equal(pids.length, 1, 'one broker JVM');

  assert.deepEqual(await first.stop(), { code: 0, signal: null }, first.stderr());
  assert.equal(first.stdout(), `bootstrap=127.0.0.1:${port}\n`, 'stdout holds only the bootstrap line');
  assert.ok(!isAlive(pids[0]!), 'the broker JVM is gone');
  const clusterId = fs.readFileSync(path.join(dataDir, 'cluster-id'), 'utf8');

  // Same data dir, any port: the same cluster, with the topic created before.
  const second = await startCli(['--data-dir', dataDir]);
  try {
    assert.equal(fs.readFileSync(path.join(dataDir, 'cluster-id'), 'utf8'), clusterId);
    const admin2 = new Kafka({ brokers: [second.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin2.connect();
    try {
      const meta = await admin2.fetchTopicMetadata({ topics: ['kept-topic'] });
      assert.equal(meta.topics[0]!.partitions.length, 2);
    } finally {
      await admin2.disconnect();
    }
  } finally {
    assert.deepEqual(await second.stop(), { code: 0, signal: null });
  }
});

test("a broker that cannot start: exit 1 with Kafka's own log tail", { timeout: 300_000 }, async () => {
  // Something else holds the port, so Kafka's listener cannot bind.
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const dataDir = tempDir('kafka-cli-fail-');
    dirs.push(dataDir);
    const r = runCli(['--port', String(port), '--data-dir', dataDir]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Kafka node 1 exited during start-up/);
    assert.match(r.stderr, /node 1 server\.log \(tail\)/);
    assert.match(r.stderr, /node 1 server\.log \(errors\) ---\n[^\n]* ERROR [\s\S]*failed to bind to 127\.0\.0\.1:\d+: Address already in use/, "the reason, in Kafka's words");
    assert.deepEqual(javaPids(dataDir), [], 'nothing left running');
  } finally {
    blocker.close();
  }
});
