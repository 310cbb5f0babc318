// The standalone broker command: flags, signals and the default bind address, run as a real
// child process exactly as `npm run broker` would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LISTENING_MSG, tempDir, removeDir, spawnBrokerProcess, spawnCli, type BrokerProcess } from '../../helpers/broker.js';
import { testKafka } from '../../helpers/kafka.js';
import { RawConnection, apiVersionsRequest, fetchRequest, readApiVersionsV0 } from '../../helpers/raw-client.js';

const STOPPED_MSG = 'embedded Kafka broker stopped';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

/** Resolves 'connected' or the connect error code (e.g. ECONNREFUSED). */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, 5_000);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}

async function assertAnswers(host: string, port: number): Promise<void> {
  const c = await RawConnection.connect(port, host);
  try {
    c.write(apiVersionsRequest(2, 99));
    const res = await c.nextResponse();
    assert.equal(res.correlationId, 99);
    assert.equal(readApiVersionsV0(res.body).errorCode, 0);
  } finally {
    c.destroy();
  }
}

for (const flag of ['--help', '-h']) {
  test(`${flag} prints the usage and exits 0 without starting anything`, async () => {
    const proc = spawnCli([flag]);
    const { code } = await withTimeout(proc.exited, 30_000, 'exit');
    assert.equal(code, 0, proc.stderr());
    assert.match(proc.stdout(), /Usage:/);
    for (const option of ['--port', '--host', '--data-dir', '--help']) assert.ok(proc.stdout().includes(option), `usage mentions ${option}`);
    assert.equal(proc.logs().length, 0, 'no broker log lines: nothing was started');
  });
}

for (const bad of ['abc', '70000', '1.5', '-1', '']) {
  test(`--port '${bad}' is refused with a message naming the flag`, async (t) => {
    const parent = tempDir('cli-bad-port-');
    const dataDir = join(parent, 'never-created');
    const proc = spawnCli(['--port', bad, '--data-dir', dataDir]);
    t.after(async () => {
      proc.child.kill('SIGKILL');
      await proc.exited;
      removeDir(parent);
    });
    // Whichever comes first: the exit we expect, or a broker that started anyway.
    const outcome = await withTimeout(
      Promise.race([
        proc.exited.then((e) => ({ exited: e })),
        proc.waitForLog((r) => r.msg === LISTENING_MSG, 30_000).then((r) => ({ listening: r }), () => new Promise<never>(() => {})),
      ]),
      30_000,
      'exit',
    );
    assert.ok(!('listening' in outcome), `--port '${bad}' started a broker: ${JSON.stringify(outcome)}`);
    assert.notEqual(outcome.exited.code, 0);
    assert.notEqual(outcome.exited.code, null);
    assert.match(proc.stderr(), /--port/);
    assert.equal(existsSync(dataDir), false, 'a refused command line must not create the data dir');
  });
}

test('an unknown flag is refused with the usage', async () => {
  const proc = spawnCli(['--no-such-flag']);
  const { code } = await withTimeout(proc.exited, 30_000, 'exit');
  assert.notEqual(code, 0);
  assert.match(proc.stderr(), /no-such-flag/);
  assert.match(proc.stderr(), /Usage:/);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops the broker cleanly, even with a client waiting in a long-poll`, async (t) => {
    const dataDir = tempDir('cli-signal-');
    let broker: BrokerProcess | undefined;
    t.after(async () => {
      await broker?.stop('SIGKILL');
      removeDir(dataDir);
    });
    broker = await spawnBrokerProcess({ dataDir });

    // A Fetch parked for up to 30 s on an empty partition; shutdown must not wait for it.
    const c = await RawConnection.connect(broker.port);
    t.after(() => c.destroy());
    const admin = testKafka(broker.brokers).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idle', numPartitions: 1 }] });
    await admin.disconnect();
    c.write(fetchRequest(2, 'idle', 0, 0n, 30_000));
    // A bounded look, not a proof: nothing came back within 200 ms, so the fetch is parked (or not
    // read yet, in which case the shutdown below must still close this connection).
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.takeFrames().length, 0, 'an empty partition must not answer a fetch at once');

    const sentAt = Date.now();
    broker.child.kill(signal);
    const exit = await withTimeout(broker.exited, 15_000, 'exit after the signal');
    const took = Date.now() - sentAt;
    assert.deepEqual(exit, { code: 0, signal: null }, `stdout:\n${broker.stdout()}\nstderr:\n${broker.stderr()}`);
    // The CLI force-exits with code 1 after 5 s, so code 0 already means it stopped in time (a
    // wall-clock bound here would only measure how loaded the machine is).
    t.diagnostic(`stopping took ${took} ms`);
    const logs = broker.logs();
    assert.ok(logs.some((r) => r.msg === 'stopping' && r.signal === signal), 'logs which signal it got');
    assert.ok(logs.some((r) => r.msg === STOPPED_MSG), `logs "${STOPPED_MSG}"`);
    assert.equal(await c.waitForClose(5_000), true, 'client connections are closed');
    assert.equal(await tryConnect('127.0.0.1', broker.port), 'ECONNREFUSED', 'nothing listens any more');
  });
}

test('binds 127.0.0.1 by default and is reachable there', async (t) => {
  const dataDir = tempDir('cli-bind-');
  let broker: BrokerProcess | undefined;
  t.after(async () => {
    await broker?.stop('SIGKILL');
    removeDir(dataDir);
  });
  broker = await spawnBrokerProcess({ dataDir });
  const listening = broker.logs().find((r) => r.msg === LISTENING_MSG)!;
  assert.equal(listening.host, '127.0.0.1');
  assert.equal(listening.advertised, `127.0.0.1:${broker.port}`);
  await assertAnswers('127.0.0.1', broker.port);

  // 127.0.0.2 is another loopback address: a listener bound to 127.0.0.1 only must refuse it,
  // while one bound to every interface serves it. This keeps the test's traffic on loopback.
  const other = '127.0.0.2';
  assert.equal(await tryConnect(other, broker.port), 'ECONNREFUSED', `port ${broker.port} must not be open on ${other}`);
  const anyDir = tempDir('cli-bind-any-');
  try {
    const open = await spawnBrokerProcess({ dataDir: anyDir, args: ['--host', '0.0.0.0'] });
    try {
      await assertAnswers(other, open.port);
    } finally {
      await open.stop('SIGTERM');
    }
  } finally {
    removeDir(anyDir);
  }
  const stop = await broker.stop('SIGTERM');
  assert.equal(stop.code, 0);
});
