/**
 * `npm run demo` (scripts/demo.ts) as a real process: broker + two instances on free ports, both
 * ready in one group; an instance that dies is reported and the rest keep running; `start <port>`
 * brings it back; SIGINT stops every child (instances before the broker) and the script exits 0.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort, freePortRange, isAlive, LoggedChild, ProcessSet, ROOT, tempDir, TSX, waitFor } from './harness.js';

const DEMO = path.join(ROOT, 'scripts', 'demo.ts');
const procs = new ProcessSet();
after(() => procs.killAll());

// Strips the colour codes the script would add on a terminal (it should add none on a pipe).
const plain = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

test('demo: broker + 2 instances, crash is survived, SIGINT stops everything', { timeout: 120_000 }, async () => {
  const brokerPort = await freePort();
  const base = await freePortRange(2);
  const dataDir = procs.dir(tempDir('kwd-demo-data-'));
  const cwd = procs.dir(tempDir('kwd-demo-cwd-'));
  const child = spawn(
    process.execPath,
    ['--import', TSX, DEMO, '--instances', '2', '--broker-port', String(brokerPort), '--base-port', String(base), '--data-dir', dataDir, '--group-id', 'demo-test-group'],
    { cwd, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  procs.add(child.pid);
  const demo = new LoggedChild(child);
  const out = () => plain(demo.stdout());
  // Children are detached from the script's process group, so record their pids for cleanup.
  const pids = new Map<string, number>();
  const trackPids = () => {
    for (const m of out().matchAll(/^\[demo\]\s+started (\S+) \(pid (\d+)\)$/gm)) {
      if (!pids.has(`${m[1]}#${m[2]}`)) {
        pids.set(`${m[1]}#${m[2]}`, Number(m[2]));
        procs.add(Number(m[2]));
      }
    }
  };
  const pidOf = (label: string) => [...pids].filter(([k]) => k.startsWith(`${label}#`)).map(([, v]) => v).at(-1)!;
  const until = (what: string, re: RegExp, timeoutMs = 60_000) =>
    waitFor(what, () => {
      trackPids();
      if (!demo.running) throw new Error(`demo exited ${JSON.stringify(demo.exit)}\n${out()}\n${demo.stderr()}`);
      return re.test(out());
    }, timeoutMs);

  try {
    await until('both instances ready', /2\/2 instances ready/, 90_000);
    assert.ok(!/\u001b\[/.test(demo.stdout()), 'no colour codes when stdout is not a terminal');
    assert.match(out(), new RegExp(`http://localhost:${base}\\s+ready`));
    assert.match(out(), new RegExp(`http://localhost:${base + 1}\\s+ready`));
    // Output is prefixed per process, and pino lines are rendered as text.
    assert.match(out(), /^\[broker\]\s+\d\d:\d\d:\d\d INFO\s+embedded Kafka broker listening/m);
    assert.match(out(), new RegExp(`^\\[${base}\\]\\s+\\d\\d:\\d\\d:\\d\\d INFO\\s+web app listening .*instance=localhost:${base}`, 'm'));

    const readyz = async (port: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
      return { status: res.status, body: (await res.json()) as { instance: string; consumer: { partitions: number[] } } };
    };
    // One group: once the rebalance settles, the two instances split the 3 partitions.
    await waitFor('partitions split between the two instances', async () => {
      const [a, b] = await Promise.all([readyz(base), readyz(base + 1)]);
      if (a.status !== 200 || b.status !== 200) return false;
      const all = [...a.body.consumer.partitions, ...b.body.consumer.partitions].sort();
      return a.body.consumer.partitions.length > 0 && b.body.consumer.partitions.length > 0 && all.join() === '0,1,2';
    });
    assert.equal((await readyz(base)).body.instance, `localhost:${base}`);
    assert.equal((await readyz(base + 1)).body.instance, `localhost:${base + 1}`);

    // A crash of one instance is reported; the broker, the other instance and the script stay.
    const victim = pidOf(String(base + 1));
    const brokerPid = pidOf('broker');
    const survivorPid = pidOf(String(base));
    process.kill(victim, 'SIGKILL');
    await until('crash reported', new RegExp(`${base + 1} exited unexpectedly \\(signal SIGKILL\\)`));

    // The positive sign that the script outlived the crash: it still reads its stdin and acts on
    // a command. The broker and the other instance are the same processes as before.
    child.stdin!.write(`start ${base + 1}\n`);
    await until('instance restarted', new RegExp(`${base + 1} is ready again`));
    assert.ok(demo.running);
    assert.notEqual(pidOf(String(base + 1)), victim);
    assert.equal(pidOf('broker'), brokerPid, 'the broker was not restarted');
    assert.equal(pidOf(String(base)), survivorPid, 'the other instance was not restarted');
    assert.ok(isAlive(brokerPid) && isAlive(survivorPid));
    assert.equal((await readyz(base)).status, 200);

    const all = [pidOf('broker'), pidOf(String(base)), pidOf(String(base + 1))];
    child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([demo.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
    clearTimeout(timer);
    assert.deepEqual(exit, { code: 0, signal: null }, out());
    const text = out();
    assert.match(text, /all stopped/);
    for (const pid of all) assert.ok(!isAlive(pid), `pid ${pid} is gone`);
    // Instances leave the group while the broker is still up: both stop cleanly, before it.
    const brokerExit = text.indexOf('[demo]   broker exited (code 0)');
    for (const port of [base, base + 1]) {
      const at = text.search(new RegExp(`\\[demo\\]\\s+${port} exited \\(code 0\\)`));
      assert.ok(at >= 0 && at < brokerExit, `${port} exited cleanly before the broker\n${text}`);
    }
    assert.ok(brokerExit > 0);
  } catch (err) {
    process.stderr.write(`--- demo output ---\n${out()}\n${demo.stderr()}\n`);
    throw err;
  } finally {
    child.stdin!.end();
    if (demo.running) await demo.stop('SIGKILL');
  }
});

test('demo: refuses ports already in use, before starting anything', { timeout: 30_000 }, async () => {
  const net = await import('node:net');
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = (blocker.address() as import('node:net').AddressInfo).port;
  try {
    const child = spawn(process.execPath, ['--import', TSX, DEMO, '--broker-port', String(busy), '--base-port', String(await freePortRange(2))], {
      cwd: procs.dir(tempDir('kwd-demo-cwd-')),
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.add(child.pid);
    const demo = new LoggedChild(child);
    const exit = await demo.exited;
    assert.equal(exit.code, 1);
    assert.match(demo.stderr(), new RegExp(`port\\(s\\) ${busy} already in use`));
    assert.doesNotMatch(demo.stdout(), /started broker/);
  } finally {
    await new Promise((r) => blocker.close(r));
  }
});

test('demo: bad arguments exit 2 with the usage text', async () => {
  const child = spawn(process.execPath, ['--import', TSX, DEMO, '--instances', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.add(child.pid);
  const demo = new LoggedChild(child);
  assert.equal((await demo.exited).code, 2);
  assert.match(demo.stderr(), /--instances: expected an integer 1-20, got '0'/);
  assert.match(demo.stderr(), /Usage: npm run demo/);
});
