/**
 * The data directory's lock on its own: when a lock counts as held, when it may be broken, and
 * that releasing never removes somebody else's lock.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { acquireDataDirLock, DataDirLockedError, parseLockInfo, readDataDirLock } from '../../../src/broker/storage/data-dir-lock.js';
import { tempDir, removeDir } from '../../helpers/broker.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
const dir = () => {
  const d = tempDir('lock-test-');
  dirs.push(d);
  return d;
};

/** The pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

const writeLock = (d: string, info: object) => fs.writeFileSync(path.join(d, '.lock'), JSON.stringify(info));

test('a dead holder whose address nobody answers on is replaced, and the replacement says whom it replaced', async () => {
  const d = dir();
  const pid = await deadPid();
  writeLock(d, { pid, token: 'dead-one', since: '2026-01-01T00:00:00.000Z', host: '127.0.0.1', port: 1, owner: 'gone' });
  const lock = await acquireDataDirLock(d, { owner: 'me', address: { host: '127.0.0.1', port: 2 } });
  assert.equal(lock.brokeStale?.token, 'dead-one');
  const now = await readDataDirLock(d);
  assert.equal(now?.pid, process.pid);
  assert.equal(now?.owner, 'me');
  assert.deepEqual(fs.readdirSync(d), ['.lock'], 'no temp or break files left');
  await lock.release();
  assert.equal(await readDataDirLock(d), undefined);
});

test('a dead holder whose address still accepts connections is not broken (unless that address is ours)', async () => {
  const d = dir();
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  try {
    writeLock(d, { pid: await deadPid(), token: 'answering', since: '', host: '127.0.0.1', port });
    await assert.rejects(acquireDataDirLock(d), (err: unknown) => err instanceof DataDirLockedError && /something answering on 127\.0\.0\.1:\d+/.test(err.message));
    assert.equal((await readDataDirLock(d))?.token, 'answering', 'the lock is left alone');
    // The process that has just bound that address itself (a takeover) may break it.
    const lock = await acquireDataDirLock(d, { address: { host: '127.0.0.1', port } });
    assert.equal(lock.brokeStale?.token, 'answering');
    await lock.release();
  } finally {
    await new Promise((r) => srv.close(r));
  }
});

test('a live holder is refused, by pid, in the old plain-pid format too', async () => {
  const d = dir();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    await new Promise((r) => other.once('spawn', r));
    fs.writeFileSync(path.join(d, '.lock'), `${other.pid}\n`);
    await assert.rejects(acquireDataDirLock(d), (err: unknown) => err instanceof DataDirLockedError && err.holder?.pid === other.pid);
  } finally {
    other.kill('SIGKILL');
  }
  assert.deepEqual(parseLockInfo('1234\n'), { pid: 1234, token: 'legacy-1234', since: '' });
  assert.equal(parseLockInfo('{"pid":"x"}'), undefined);
});

test('release removes only its own lock; the owner label can be rewritten while held', async () => {
  const d = dir();
  const lock = await acquireDataDirLock(d, { owner: 'first-name' });
  await lock.setOwner('final-name');
  assert.equal((await readDataDirLock(d))?.owner, 'final-name');
  assert.equal((await readDataDirLock(d))?.token, lock.info().token, 'the token survives the rewrite');
  // Someone removed our lock by hand and another process took the directory: ours must not delete theirs.
  writeLock(d, { pid: process.pid + 1, token: 'someone-else', since: '' });
  await lock.release();
  assert.equal((await readDataDirLock(d))?.token, 'someone-else');
});
