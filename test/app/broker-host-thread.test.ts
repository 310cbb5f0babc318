/**
 * BrokerHost runs the embedded broker on a worker thread (default) or on the app's event loop.
 * Both must behave alike across the boundary: the lock names this process and its owner label,
 * stats and log lines come back, a lost race is reported as such, and stop frees the data
 * directory and the address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { readDataDirLock } from '../../src/broker/index.js';
import { BrokerHost } from '../../src/kafka/broker-host.js';
import { probeKafka } from '../../src/kafka/probe.js';
import { tempDir, removeDir } from '../helpers/broker.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

for (const thread of ['worker', 'inline'] as const) {
  test(`${thread}: hosts a broker that answers, locked by this pid, with stats, log lines and a rewritable owner; stop frees directory and address`, async () => {
    const dir = tempDir('host-thread-');
    const { logger, lines } = capturingLogger();
    const host = new BrokerHost({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), partitions: 2, maxValueBytes: 1024, owner: 'first', logger, thread });
    try {
      const attempt = await host.start();
      assert.ok(attempt.ok, 'the start succeeds');
      await probeKafka('127.0.0.1', attempt.port, 5000);
      const onDisk = await readDataDirLock(join(dir, 'data'));
      assert.equal(onDisk?.pid, process.pid);
      assert.equal(onDisk?.owner, 'first');
      assert.equal(host.lockInfo()?.token, onDisk?.token);

      await host.setOwner('second');
      assert.equal(host.lockInfo()?.owner, 'second');
      assert.equal((await readDataDirLock(join(dir, 'data')))?.owner, 'second');

      const stats = await host.stats();
      assert.equal(typeof stats?.connections, 'number');
      assert.ok(stats!.maxPartitions > 0);

      const listening = lines.find((l) => l.msg === 'embedded Kafka broker listening');
      assert.equal(listening?.component, 'broker', 'the broker logs through the host\'s logger');
      assert.equal(listening?.port, attempt.port);

      await host.stop();
      assert.equal(host.status().running, false);
      assert.equal(existsSync(join(dir, 'data', '.lock')), false, 'the lock is released');
      assert.equal(await bindable(attempt.port), true, 'the address is free');
    } finally {
      await host.stop();
      removeDir(dir);
    }
  });

  test(`${thread}: a second host loses the race for a taken address or a held directory, and says which`, async () => {
    const dir = tempDir('host-thread-');
    const { logger } = capturingLogger();
    const opts = { host: '127.0.0.1', partitions: 1, maxValueBytes: 1024, owner: 'x', logger, thread };
    const first = new BrokerHost({ ...opts, port: 0, dataDir: join(dir, 'a') });
    let samePort: BrokerHost | undefined;
    let sameDir: BrokerHost | undefined;
    try {
      const a = await first.start();
      assert.ok(a.ok);
      samePort = new BrokerHost({ ...opts, port: a.port, dataDir: join(dir, 'b') });
      const r1 = await samePort.start();
      assert.deepEqual(r1.ok ? 'started' : r1.reason, 'address-in-use');
      sameDir = new BrokerHost({ ...opts, port: 0, dataDir: join(dir, 'a') });
      const r2 = await sameDir.start();
      assert.deepEqual(r2.ok ? 'started' : r2.reason, 'data-dir-locked');
      assert.equal(samePort.status().running || sameDir.status().running, false);

      // A takeover: once the holder stops, the loser's next attempt gets the address.
      await first.stop();
      const r3 = await samePort.start();
      assert.ok(r3.ok, 'the second host takes the freed address');
      assert.equal(r3.port, a.port);
      await probeKafka('127.0.0.1', a.port, 5000);
    } finally {
      await samePort?.stop();
      await sameDir?.stop();
      await first.stop();
      removeDir(dir);
    }
  });
}
