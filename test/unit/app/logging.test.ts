import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { logLevel } from 'kafkajs';
import { kafkajsLevel } from '../../../src/kafka/gateway/index.js';
import { LogThrottle } from '../../../src/logger.js';
import { waitFor } from '../../helpers/wait.js';

test('kafkajs levels are mapped deliberately: rebalances info, outages warn, the rest as kafkajs says', () => {
  // What kafkajs 2.2.4 logs at error level during a rebalance and an outage.
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' }), 'info');
  assert.equal(kafkajsLevel(logLevel.WARN, 'The group is rebalancing, re-joining', { groupId: 'g' }), 'info');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'The coordinator is not aware of this member, re-joining the group'), 'info');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Response OffsetCommit(key: 8, version: 5)', { error: 'Specified group generation id is not valid' }), 'info');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'), 'warn');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Connection timeout'), 'warn');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED'), 'warn');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:1'), 'warn');
  // Not expected: stays an error.
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'The request included message batch larger than the configured segment size on the server' }), 'error');
  assert.equal(kafkajsLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: SASL PLAIN authentication failed'), 'error');
  assert.equal(kafkajsLevel(logLevel.WARN, 'Limiting retries for the idempotent producer to 2'), 'debug');
  assert.equal(kafkajsLevel(logLevel.INFO, 'Starting', {}), 'info');
});

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

test('LogThrottle writes a burst per window, then one summary with the suppressed count', async () => {
  let now = 0;
  const { lines, logger } = capture();
  const throttle = new LogThrottle({ burst: 3, intervalMs: 1000, now: () => now });
  let written = 0;
  for (let i = 0; i < 1000; i++) if (throttle.log(logger, 'warn', 'k', { i }, 'same thing')) written++;
  assert.equal(written, 3);
  // Another key has its own budget.
  assert.equal(throttle.log(logger, 'warn', 'other', {}, 'other thing'), true);
  now = 1000;
  assert.equal(throttle.log(logger, 'warn', 'k', { i: 1000 }, 'same thing'), true);
  await new Promise((r) => setImmediate(r));
  const summary = lines.find((l) => l.suppressed !== undefined);
  assert.ok(summary, 'a summary line');
  assert.equal(summary.suppressed, 997);
  assert.equal(summary.level, 40);
  assert.equal(summary.msg, 'same thing (997 more like this suppressed)');
  assert.equal(lines.length, 3 + 1 + 1 + 1);
});

test('LogThrottle also summarizes when the flood stops (timer at the end of the window)', async () => {
  const { lines, logger } = capture();
  const throttle = new LogThrottle({ burst: 1, intervalMs: 50 });
  for (let i = 0; i < 10; i++) throttle.log(logger, 'warn', 'k', {}, 'flood');
  const until = Date.now() + 10_000;
  while (!lines.some((l) => l.suppressed === 9) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(lines.map((l) => l.suppressed ?? null), [null, 9]);
});

/** An Express app behind the request log, listening on a free port while `fn` calls it. */
async function withRequestLog(routes: (app: import('express').Express) => void, fn: (base: string, lines: Array<Record<string, unknown>>) => Promise<void>) {
  const express = (await import('express')).default;
  const { requestLog } = await import('../../../src/web/middleware/request-log.js');
  const { lines, logger } = capture();
  const app = express();
  app.use(requestLog(logger));
  routes(app);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as { port: number }).port}`, lines);
  } finally {
    await new Promise((r) => server.close(r));
  }
  return lines;
}

test('the request log writes a few refused requests per status and window, not one line each', async () => {
  const lines = await withRequestLog(
    (app) => {
      app.get('/refused', (_req, res) => void res.status(429).send('no'));
      app.get('/fine', (_req, res) => void res.send('ok'));
    },
    async (base) => {
      for (let i = 0; i < 100; i++) await (await fetch(`${base}/refused`)).text();
      for (let i = 0; i < 3; i++) await (await fetch(`${base}/fine`)).text();
    },
  );
  const refused = lines.filter((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 429);
  assert.equal(refused.length, 5, 'the first five 429s are logged');
  assert.ok(refused.every((l) => l.level === 40));
  assert.equal(lines.filter((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 200).length, 3, 'successes are all logged');
});

test('a request line names method, url, status and time, and never the cookies or probe paths', async () => {
  const lines = await withRequestLog(
    (app) => {
      app.get('/healthz', (_req, res) => void res.send('ok'));
      app.post('/api/messages', (_req, res) => void res.cookie('kwd.sid', 'session-secret-value').status(201).json({ ok: true }));
    },
    async (base) => {
      await (await fetch(`${base}/healthz`)).text();
      await (await fetch(`${base}/api/messages?x=1`, { method: 'POST', headers: { cookie: 'kwd.sid=cookie-secret-value' } })).text();
    },
  );
  assert.equal(lines.length, 1, 'the probe is not logged, the POST is');
  const [line] = lines;
  assert.equal(line!.component, 'http');
  assert.equal(line!.msg, 'request completed');
  assert.deepEqual({ ...(line!.req as object), id: undefined, remoteAddress: undefined }, { id: undefined, method: 'POST', url: '/api/messages?x=1', remoteAddress: undefined });
  assert.deepEqual(line!.res, { statusCode: 201 });
  assert.equal(typeof line!.responseTime, 'number');
  assert.doesNotMatch(JSON.stringify(line), /secret-value/);
});

test('a request the client gives up on is logged as aborted', async () => {
  let arrived!: () => void;
  const hit = new Promise<void>((r) => (arrived = r));
  const lines = await withRequestLog(
    (app) => app.get('/slow', () => arrived()),
    async (base, seen) => {
      const ctl = new AbortController();
      const call = fetch(`${base}/slow`, { signal: ctl.signal }).catch((err: Error) => err);
      await hit;
      ctl.abort();
      assert.equal(((await call) as Error).name, 'AbortError');
      await waitFor('the aborted line', () => seen.length > 0, 10_000, 20);
    },
  );
  assert.equal(lines[0]!.msg, 'request aborted');
  assert.equal(lines[0]!.level, 40);
});
