/**
 * Part 7: the topic browser on a big topic. A standalone broker holds just over 1 GB in one
 * topic (1 KB messages, 3 partitions, written by kcat as in part 6); the app (a child process
 * pointed at that broker, its own consumer on another topic so it does not read the gigabyte)
 * serves GET /topics/<topic>, i.e. the newest 100 messages across all partitions, again and
 * again. The figure is the server time the app reports in its Server-Timing header (Kafka reads
 * plus rendering), median over the measured requests after a warm-up; the wall time seen by
 * the client and the oldest-first page are context.
 */
import { join } from 'node:path';
import { kcatProduce } from '../lib/kcat.js';
import { createTopics } from '../lib/kafka.js';
import { removeDir, tempDir, writeMessageFile } from '../lib/files.js';
import { startAppChild, waitReady } from '../lib/app.js';
import { startBrokerCli, withOutputOnError } from '../lib/proc.js';
import { median, percentile } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const TOPIC = 'bench-browse';
const SIZE = 1000;
const CHUNK = 100_000;
const CHUNKS = 11; // 1.1 GB of values
const WARMUP = 5;
const MEASURED = 40;

function serverMs(header: string | null): number {
  // "kafka;dur=3.1, render;dur=4.2"
  let total = 0;
  for (const m of (header ?? '').matchAll(/dur=([\d.]+)/g)) total += Number(m[1]);
  return header ? total : NaN;
}

function part(header: string | null, name: string): number {
  const m = new RegExp(`${name};dur=([\\d.]+)`).exec(header ?? '');
  return m ? Number(m[1]) : NaN;
}

async function measure(url: string, n: number): Promise<{ server: number[]; kafka: number[]; render: number[]; wall: number[]; rows: number }> {
  const server: number[] = [];
  const kafka: number[] = [];
  const render: number[] = [];
  const wall: number[] = [];
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const html = await res.text();
    wall.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    const timing = res.headers.get('server-timing');
    server.push(serverMs(timing));
    kafka.push(part(timing, 'kafka'));
    render.push(part(timing, 'render'));
    rows = (html.match(/data-testid="browse-row"/g) ?? []).length;
  }
  return { server, kafka, render, wall, rows };
}

export async function browseBigTopic(opts: { log: (s: string) => void }): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const dir = tempDir('bench-browse-');
  try {
    const file = join(dir, 'chunk.txt');
    writeMessageFile(file, CHUNK, SIZE);
    const broker = await startBrokerCli(join(dir, 'data'));
    try {
      await createTopics(broker.address, [TOPIC], 3);
      for (let i = 0; i < CHUNKS; i++) await withOutputOnError(broker, 'broker', () => kcatProduce(broker.address, TOPIC, file));
      opts.log(`browse: ${((CHUNK * CHUNKS * SIZE) / 1e9).toFixed(2)} GB written to ${TOPIC}`);
      const app = await startAppChild({ brokers: broker.address, topic: 'bench-browse-idle', groupId: 'bench-browse-group' });
      try {
        await waitReady(app.url);
        const newest = `${app.url}/topics/${TOPIC}`;
        await measure(newest, WARMUP);
        const end = await measure(newest, MEASURED);
        const begin = await measure(`${app.url}/topics/${TOPIC}?from=beginning`, MEASURED);
        if (end.rows !== 100) throw new Error(`expected 100 rows on the page, got ${end.rows}`);
        const med = median(end.server);
        opts.log(`browse: newest 100 server ${med.toFixed(1)} ms (kafka ${median(end.kafka).toFixed(1)}, render ${median(end.render).toFixed(1)}; p95 ${percentile(end.server, 95).toFixed(1)}), wall ${median(end.wall).toFixed(1)} ms`);
        return {
          rows: [
            row('7 browse', '/topics/:name, newest 100 of a 1.1 GB topic: server time (median)', med, 'ms', {
              target: { op: '<=', value: 50 },
              digits: 1,
              note: `Kafka reads ${median(end.kafka).toFixed(1)} ms + render ${median(end.render).toFixed(1)} ms; p95 ${percentile(end.server, 95).toFixed(1)} ms; client wall ${median(end.wall).toFixed(1)} ms; ${MEASURED} requests`,
            }),
            row('7 browse', '/topics/:name?from=beginning, first 100: server time (median)', median(begin.server), 'ms', { digits: 1, note: `p95 ${percentile(begin.server, 95).toFixed(1)} ms` }),
          ],
          data: { logBytes: CHUNK * CHUNKS * SIZE, newest: end, beginning: begin },
        };
      } finally {
        await app.stop('SIGTERM');
      }
    } finally {
      await broker.stop('SIGTERM', 15_000);
    }
  } finally {
    removeDir(dir);
  }
}
