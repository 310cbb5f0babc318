/**
 * Part 6 (broker side): resident memory of the broker CLI child once its log holds 10 MB, and
 * again once it holds 1 GB, both read from /proc/<pid>/status a second after kcat finished. A
 * broker that keeps its log on disk should need about the same memory for both. 1 KB messages
 * keep the gigabyte quick to write; the producer settings are part 1's.
 */
import { join } from 'node:path';
import { kcatProduce } from '../lib/kcat.js';
import { createTopics } from '../lib/kafka.js';
import { removeDir, tempDir, writeMessageFile } from '../lib/files.js';
import { rssBytes, rssParts, sleep, startBrokerCli, withOutputOnError } from '../lib/proc.js';
import { MB } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const SIZE = 1000;
const SMALL = 10_000; // 10 MB
const CHUNK = 100_000; // 100 MB per kcat run
const CHUNKS = 10; // + the 10 MB: just over 1 GB of values

export async function brokerMemory(opts: { log: (s: string) => void }): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const dir = tempDir('bench-mem-');
  try {
    const small = join(dir, 'small.txt');
    const big = join(dir, 'big.txt');
    writeMessageFile(small, SMALL, SIZE);
    writeMessageFile(big, CHUNK, SIZE);
    const broker = await startBrokerCli(join(dir, 'data'));
    let rss10: number;
    let rss1g: number;
    let idle1g: number;
    const parts: Record<string, { anon: number; file: number }> = {};
    let peak = 0;
    let bigMs = 0;
    try {
      await createTopics(broker.address, ['bench-mem'], 3);
      await kcatProduce(broker.address, 'bench-mem', small);
      await sleep(1000);
      rss10 = rssBytes(broker.pid);
      parts.after10MB = rssParts(broker.pid);
      opts.log(`memory: broker RSS ${(rss10 / MB).toFixed(0)} MB after 10 MB`);
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, rssBytes(broker.pid) || 0);
          await sleep(250);
        }
      })();
      for (let i = 0; i < CHUNKS; i++) bigMs += await withOutputOnError(broker, 'broker', () => kcatProduce(broker.address, 'bench-mem', big));
      sampling = false;
      await sampler;
      await sleep(1000);
      rss1g = rssBytes(broker.pid);
      parts.after1GB = rssParts(broker.pid);
      // Context for a miss: whether the growth is kept or handed back once the broker is idle.
      await sleep(5000);
      idle1g = rssBytes(broker.pid);
      parts.after1GBIdle5s = rssParts(broker.pid);
      opts.log(`memory: broker RSS ${(rss1g / MB).toFixed(0)} MB after 1 GB (peak while writing ${(peak / MB).toFixed(0)} MB, ${((CHUNKS * CHUNK * SIZE) / MB / (bigMs / 1000)).toFixed(0)} MB/s)`);
    } finally {
      await broker.stop('SIGTERM', 15_000);
    }
    const totalBytes = (SMALL + CHUNK * CHUNKS) * SIZE;
    return {
      rows: [
        row('6 memory', 'broker RSS, 10 MB of log', rss10 / MB, 'MB'),
        row('6 memory', 'broker RSS, 1 GB of log', rss1g / MB, 'MB', {
          note: `peak while writing ${(peak / MB).toFixed(0)} MB; ${(idle1g / MB).toFixed(0)} MB after 5 s idle; anonymous ${(parts.after1GB.anon / MB).toFixed(0)} MB`,
        }),
        row('6 memory', 'broker RSS ratio 1 GB / 10 MB', rss1g / rss10, 'x', { target: { op: '<=', value: 1.2 }, digits: 2 }),
      ],
      data: {
        messageBytes: SIZE,
        logBytes: totalBytes,
        rss10MB: rss10,
        rss1GB: rss1g,
        peakWhileWriting: peak,
        rss1GBAfter5sIdle: idle1g,
        rssParts: parts,
        writeMBps: (CHUNKS * CHUNK * SIZE) / MB / (bigMs / 1000),
      },
    };
  } finally {
    removeDir(dir);
  }
}
