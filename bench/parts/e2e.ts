/**
 * Part 4: end-to-end latency. 500 msg/s for 10 s (after 2 s of warm-up) are POSTed to one app
 * instance (open loop); each value carries its send time, and the time it arrives on that
 * instance's live Consume stream (GET /api/messages/stream, Server-Sent Events) is taken in this
 * same process. The reference is a bare kafkajs producer -> eachMessage loop (a child process)
 * on the same broker CLI child, timed the same way inside its own process.
 */
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { startAppChild, waitReady } from '../lib/app.js';
import { createTopics } from '../lib/kafka.js';
import { removeDir, tempDir } from '../lib/files.js';
import { nowMs, paced } from '../lib/pace.js';
import { sleep, spawnTsx, startBrokerCli } from '../lib/proc.js';
import { percentile } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const RATE = 500;
const WARMUP_MS = 2000;
const DURATION_MS = 10_000;
const SOCKETS = 50;
const agents: Agent[] = [];

interface Measure {
  latencies: number[];
  sent: number;
  received: number;
  failed: number;
  failures?: Record<string, number>;
  /** App only: POST response times (the produce acknowledged), for telling produce from consume delay. */
  acked?: number[];
}

/** Reads an SSE response body and calls `onEvent` with each event's name, data and arrival time. */
async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: string, at: number) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const at = nowMs();
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, data.join('\n'), at);
    }
  }
}

async function measureApp(brokerAddress: string, dir: string, log: (s: string) => void): Promise<Measure> {
  const topic = 'bench-e2e-app';
  await createTopics(brokerAddress, [topic], 3);
  const app = await startAppChild({ brokers: brokerAddress, topic, groupId: 'bench-e2e-app', dataDir: join(dir, 'unused') });
  const abort = new AbortController();
  try {
    await waitReady(app.url);
    const res = await fetch(`${app.url}/api/messages/stream`, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
    if (res.status !== 200 || !res.body) throw new Error(`${app.url}/api/messages/stream answered ${res.status}`);
    const latencies: number[] = [];
    const acked: number[] = [];
    let received = 0;
    let failed = 0;
    const failures = new Map<string, number>();
    const fail = (why: string) => {
      failed++;
      failures.set(why, (failures.get(why) ?? 0) + 1);
    };
    const stream = readSse(res.body, (event, data, at) => {
      if (event !== 'message') return;
      const value = (JSON.parse(data) as { value: string | null }).value ?? '';
      const [phase, sent] = value.split(':');
      if (phase === 'm') {
        latencies.push(at - Number(sent));
        received++;
      }
    }).catch(() => {});
    await sleep(1000);
    // A bounded keep-alive pool, like a browser or proxy in front of the app: when every socket
    // is busy, requests wait in the agent, and that wait counts (the send time is taken first).
    const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
    agents.push(agent);
    const target = new URL(`${app.url}/api/messages`);
    const post = (phase: string) => () => {
      const sentAt = nowMs();
      const body = JSON.stringify({ value: `${phase}:${sentAt}` });
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            if (res.statusCode !== 201) fail(`${res.statusCode} ${text.slice(0, 120)}`);
            else if (phase === 'm') acked.push(nowMs() - sentAt);
          });
        },
      );
      req.on('error', (err) => fail(err.message));
      req.end(body);
    };
    const warm = post('w');
    const measured = post('m');
    await paced(RATE, WARMUP_MS, () => warm());
    const sent = await paced(RATE, DURATION_MS, () => measured());
    const until = Date.now() + 10_000;
    while (received + failed < sent && Date.now() < until) await sleep(50);
    abort.abort();
    await stream;
    log(`e2e app: ${received}/${sent} arrived on the stream, ${failed} failed${failed ? `: ${JSON.stringify(Object.fromEntries(failures))}` : ''}`);
    return { latencies, acked, sent, received, failed, failures: Object.fromEntries(failures) };
  } finally {
    abort.abort();
    for (const a of agents.splice(0)) a.destroy();
    await app.stop('SIGTERM');
  }
}

async function measureBare(brokerAddress: string, log: (s: string) => void): Promise<Measure> {
  const topic = 'bench-e2e-kafkajs';
  await createTopics(brokerAddress, [topic], 3);
  const child = spawnTsx('bench/servers/kafkajs-e2e.ts', [brokerAddress, topic, String(RATE), String(WARMUP_MS), String(DURATION_MS)]);
  const line = await child.waitForLine(/^\{"latencies"/, 60_000);
  await child.exited;
  const m = JSON.parse(line.input) as Measure;
  log(`e2e kafkajs: ${m.received}/${m.sent} consumed, ${m.failed} failed`);
  return m;
}

export async function endToEnd(opts: { log: (s: string) => void }): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const dir = tempDir('bench-e2e-');
  const broker = await startBrokerCli(join(dir, 'data'));
  let app: Measure;
  let bare: Measure;
  try {
    bare = await measureBare(broker.address, opts.log);
    app = await measureApp(broker.address, dir, opts.log);
  } finally {
    await broker.stop('SIGTERM');
    removeDir(dir);
  }
  const p = (m: Measure, q: number) => percentile(m.latencies, q);
  const lost = (m: Measure) => m.sent - m.received;
  const note = `${RATE} msg/s for ${DURATION_MS / 1000} s; ${SOCKETS} keep-alive sockets`;
  const rows = [
    row('4 e2e', 'HTTP produce -> SSE arrival, p50', p(app, 50), 'ms', { note: `${note}; ${app.received}/${app.sent} arrived` }),
    row('4 e2e', 'HTTP produce -> SSE arrival, p99', p(app, 99), 'ms', {
      target: { op: '<=', value: 25 },
      note: `of which the POST itself (201 received): p50 ${percentile(app.acked ?? [], 50).toFixed(1)} ms, p99 ${percentile(app.acked ?? [], 99).toFixed(1)} ms`,
    }),
    row('4 e2e', 'bare kafkajs send -> eachMessage, p50 (reference)', p(bare, 50), 'ms', { note: `${note}; ${bare.received}/${bare.sent} consumed` }),
    row('4 e2e', 'bare kafkajs send -> eachMessage, p99 (reference)', p(bare, 99), 'ms'),
    row('4 e2e', 'e2e p99 ratio app / bare kafkajs', p(app, 99) / p(bare, 99), 'x', { target: { op: '<=', value: 1.5 }, digits: 2 }),
  ];
  // Messages that never arrived would be the worst latencies of all; a percentile without them flatters.
  if (lost(app) > 0) rows[1].verdict = rows[4].verdict = 'miss';
  return {
    rows,
    data: {
      rate: RATE,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      app: {
        postP50: percentile(app.acked ?? [], 50),
        postP99: percentile(app.acked ?? [], 99),
        sent: app.sent,
        received: app.received,
        failed: app.failed,
        failures: app.failures, p50: p(app, 50), p90: p(app, 90), p99: p(app, 99), max: p(app, 100) },
      kafkajs: { sent: bare.sent, received: bare.received, failed: bare.failed, p50: p(bare, 50), p90: p(bare, 90), p99: p(bare, 99), max: p(bare, 100) },
    },
  };
}
