/**
 * Brokers racing for one data directory: the guard behind the app's embedded-broker hand-off.
 * A broker that wrote acknowledged messages is SIGKILLed (its lock stays behind), then several
 * contender processes are released at the same moment, most for the same address and one for
 * another address on the same directory. Exactly one may open the log; the others must give up
 * without reading it (EADDRINUSE, or the data directory lock).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Partitioners } from 'kafkajs';
import pino from 'pino';
import { DataDirLockedError, readDataDirLock, startBroker } from '../../../src/broker/index.js';
import { tempDir, removeDir, spawnBrokerProcess } from '../../helpers/broker.js';
import { testKafka } from '../../helpers/kafka.js';
import { freePort } from '../../helpers/ports.js';

const CONTENDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'contender.ts');
const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) removeDir(d);
});


interface Contender {
  child: ChildProcess;
  records: Array<Record<string, unknown>>;
  next(pred: (r: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

function contender(port: number, dataDir: string, name: string): Contender {
  const child = spawn(process.execPath, ['--import', 'tsx', CONTENDER, String(port), dataDir, name], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const records: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      try {
        records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not JSON
      }
    }
    for (const w of waiters) w();
  });
  const next = (pred: (r: Record<string, unknown>) => boolean, timeoutMs = 60_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const hit = records.find(pred);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${name}: timed out; records ${JSON.stringify(records)} stderr ${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      child.once('exit', () => setTimeout(check, 50));
      check();
    });
  return { child, records, next };
}

test('contenders released together for a dead broker\'s directory: exactly one opens the log, the rest stay out', { timeout: 180_000 }, async () => {
  const dataDir = tempDir('takeover-race-');
  dirs.push(dataDir);
  const port = await freePort();

  // A broker with acknowledged data dies without closing anything: its lock stays behind.
  const first = await spawnBrokerProcess({ dataDir, port });
  const kafka = testKafka([`127.0.0.1:${port}`]);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const acked: Array<{ partition: number; offset: string; value: string }> = [];
  for (let i = 0; i < 30; i++) {
    const value = `before-kill-${i}`;
    const [r] = await producer.send({ topic: 'race', acks: -1, messages: [{ key: `k${i}`, value }] });
    acked.push({ partition: r!.partition, offset: r!.baseOffset!, value });
  }
  await producer.disconnect();
  first.child.kill('SIGKILL');
  await first.exited;
  const stale = await readDataDirLock(dataDir);
  assert.equal(stale?.pid, first.pid, 'the dead broker left its lock');

  // Four for the same address, one for another address on the same directory.
  const otherPort = await freePort();
  const all = [
    ...['a', 'b', 'c', 'd'].map((n) => contender(port, dataDir, n)),
    contender(otherPort, dataDir, 'elsewhere'),
  ];
  await Promise.all(all.map((c) => c.next((r) => r.state === 'ready')));
  for (const c of all) c.child.stdin!.write('go\n');
  const results = await Promise.all(all.map((c) => c.next((r) => r.state === 'won' || r.state === 'lost')));

  const winners = results.filter((r) => r.state === 'won');
  assert.equal(winners.length, 1, `exactly one winner: ${JSON.stringify(results)}`);
  const winner = winners[0]!;
  for (const r of results) {
    if (r === winner) continue;
    assert.ok(r.code === 'EADDRINUSE' || r.code === 'EDATADIRLOCKED', `a loser fails on the address or the lock only: ${JSON.stringify(r)}`);
    if (r.contender !== 'elsewhere' && winner.contender !== 'elsewhere') assert.equal(r.code, 'EADDRINUSE', 'same-address losers never reach the directory');
  }
  // The directory was read by the winner alone: one "opened" record, and the lock is the winner's.
  const opened = all.flatMap((c) => c.records.filter((r) => r.msg === 'data directory opened and recovered'));
  assert.equal(opened.length, 1, `the log was opened once: ${JSON.stringify(opened.map((o) => o.pid))}`);
  assert.equal(opened[0]!.pid, winner.pid);
  assert.equal(opened[0]!.brokeStaleLockOf, first.pid, 'the winner replaced the dead broker\'s lock');
  const lock = await readDataDirLock(dataDir);
  assert.equal(lock?.pid, winner.pid);
  assert.equal(lock?.owner, winner.contender);
  assert.deepEqual(fs.readdirSync(dataDir).filter((f) => f.startsWith('.lock')), ['.lock'], 'no break or temp files left behind');

  // What the dead broker acknowledged is all there, at the same offsets.
  const reader = testKafka([String(winner.address)]).consumer({ groupId: 'race-reader' });
  await reader.connect();
  await reader.subscribe({ topics: ['race'], fromBeginning: true });
  const seen = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.size} of ${acked.length}`)), 60_000);
    void reader.run({
      eachMessage: async ({ partition, message }) => {
        seen.set(`${partition}@${message.offset}`, String(message.value));
        if (seen.size >= acked.length) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await reader.disconnect();
  for (const m of acked) assert.equal(seen.get(`${m.partition}@${m.offset}`), m.value);

  const winnerProc = all.find((c) => c.records.includes(winner))!;
  const exited = new Promise((r) => winnerProc.child.once('exit', r));
  winnerProc.child.stdin!.end();
  await exited;
  assert.equal(await readDataDirLock(dataDir), undefined, 'a clean close releases the lock');
});

test('in one process: two brokers on different addresses cannot share a directory, and a stale lock of this pid is not mistaken for a live one', async () => {
  const dataDir = tempDir('takeover-inproc-');
  dirs.push(dataDir);
  const logger = pino({ level: 'silent' });
  const attempts = await Promise.allSettled([0, 1, 2].map(() => startBroker({ port: 0, dataDir, logger })));
  const won = attempts.filter((a): a is PromiseFulfilledResult<Awaited<ReturnType<typeof startBroker>>> => a.status === 'fulfilled');
  assert.equal(won.length, 1, JSON.stringify(attempts.map((a) => a.status === 'rejected' ? String(a.reason) : 'won')));
  for (const a of attempts) if (a.status === 'rejected') assert.ok(a.reason instanceof DataDirLockedError, String(a.reason));
  await won[0]!.value.close();
  // A lock this pid left without releasing (a broker of this process that crashed) can be taken.
  fs.writeFileSync(path.join(dataDir, '.lock'), JSON.stringify({ pid: process.pid, token: 'left-over', since: '' }));
  const again = await startBroker({ port: 0, dataDir, logger });
  assert.equal(again.brokeStaleLock?.token, 'left-over');
  await again.close();
});
