/**
 * Part 2: what the machine itself allows for the same 100 MB the broker part moves: a plain
 * loopback TCP stream into another Node process that discards it, and a plain fs write stream
 * into a file on the filesystem that holds the broker's data dir (the OS temp dir). Neither
 * fsyncs, like the broker's log appends.
 */
import { createWriteStream, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { removeDir, tempDir } from '../lib/files.js';
import { spawnTsx } from '../lib/proc.js';
import { median, MB } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const TOTAL = 100 * MB;
const CHUNK = 1 << 20;

function chunk(): Buffer {
  const b = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) b[i] = 97 + (i % 26);
  return b;
}

async function tcpOnce(port: number, buf: Buffer): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (s: string) => {
      answer += s;
    });
    socket.on('error', reject);
    socket.on('end', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (Number(answer.trim()) !== TOTAL) reject(new Error(`sink counted ${answer.trim()} bytes, sent ${TOTAL}`));
      else resolveRun(ms);
    });
    socket.on('connect', () => {
      let sent = 0;
      const pump = () => {
        while (sent < TOTAL) {
          const n = Math.min(CHUNK, TOTAL - sent);
          sent += n;
          if (!socket.write(n === CHUNK ? buf : buf.subarray(0, n))) {
            socket.once('drain', pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
  });
}

async function fileOnce(path: string, buf: Buffer): Promise<number> {
  const started = process.hrtime.bigint();
  const out = createWriteStream(path, { highWaterMark: CHUNK });
  await new Promise<void>((resolveRun, reject) => {
    out.on('error', reject);
    out.on('close', () => resolveRun());
    let written = 0;
    const pump = () => {
      while (written < TOTAL) {
        const n = Math.min(CHUNK, TOTAL - written);
        written += n;
        if (!out.write(n === CHUNK ? buf : buf.subarray(0, n))) {
          out.once('drain', pump);
          return;
        }
      }
      out.end();
    };
    pump();
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (statSync(path).size !== TOTAL) throw new Error('short file write');
  return ms;
}

export async function rawLimits(opts: { runs: number; log: (s: string) => void }): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const buf = chunk();
  const sink = spawnTsx('bench/servers/tcp-sink.ts', []);
  const dir = tempDir('bench-raw-');
  const tcp: number[] = [];
  const file: number[] = [];
  try {
    const port = Number((await sink.waitForLine(/^port=(\d+)$/))[1]);
    for (let r = 0; r < opts.runs; r++) {
      tcp.push((TOTAL / MB / (await tcpOnce(port, buf))) * 1000);
      file.push((TOTAL / MB / (await fileOnce(join(dir, `raw-${r}.bin`), buf))) * 1000);
      opts.log(`raw run ${r + 1}/${opts.runs}: tcp ${tcp[r].toFixed(0)} MB/s, file ${file[r].toFixed(0)} MB/s`);
    }
  } finally {
    await sink.stop('SIGTERM');
    removeDir(dir);
  }
  const n = `100 MB; median of ${opts.runs}`;
  return {
    rows: [
      row('2 raw', 'loopback TCP, Node to Node, discarded', median(tcp), 'MB/s', { note: n }),
      row('2 raw', 'fs write stream to the data dir filesystem (no fsync)', median(file), 'MB/s', { note: n }),
    ],
    data: { bytes: TOTAL, chunk: CHUNK, tcpMBps: tcp, fileMBps: file },
  };
}
