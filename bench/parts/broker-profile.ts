/**
 * CPU profile of the broker CLI child under the part-1 load: one `node --cpu-prof` run while
 * kcat produces 1M messages, then a second run on the same data dir while kcat consumes them, so
 * the two paths are summarised separately. The raw profiles are kept in bench/results/ (git
 * ignored) for Chrome DevTools.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { kcatConsumeAll, kcatProduce } from '../lib/kcat.js';
import { createTopics } from '../lib/kafka.js';
import { removeDir, tempDir, writeMessageFile } from '../lib/files.js';
import { BENCH_DIR, startBrokerCli } from '../lib/proc.js';
import { mainThreadProfile, summariseProfile, type ProfileSummary } from '../lib/profile.js';
import { MESSAGE_BYTES, MESSAGES } from './broker-throughput.js';

async function profiled<T>(dataDir: string, profDir: string, name: string, work: (address: string) => Promise<T>): Promise<{ result: T; summary: ProfileSummary; file: string }> {
  const dir = join(profDir, name);
  mkdirSync(dir, { recursive: true });
  const broker = await startBrokerCli(dataDir, { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir] });
  let result: T;
  try {
    result = await work(broker.address);
  } finally {
    // SIGTERM makes the CLI close and exit normally, which is when V8 writes the profile.
    await broker.stop('SIGTERM', 10_000);
  }
  const file = mainThreadProfile(dir);
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const kept = join(BENCH_DIR, 'results', `broker-${name}.cpuprofile`);
  copyFileSync(file, kept);
  return { result, summary: summariseProfile(file, 15, 'src/broker/server/'), file: kept };
}

export async function profileBroker(log: (s: string) => void): Promise<{ produce: ProfileSummary; consume: ProfileSummary; files: string[] }> {
  const work = tempDir('bench-prof-');
  try {
    const file = join(work, 'messages.txt');
    writeMessageFile(file, MESSAGES, MESSAGE_BYTES);
    const dataDir = join(work, 'data');
    const profDir = join(work, 'prof');
    log('profiling the broker: produce');
    const p = await profiled(dataDir, profDir, 'produce', async (address) => {
      await createTopics(address, ['bench'], 3);
      return kcatProduce(address, 'bench', file);
    });
    log(`  produce under --cpu-prof: ${p.result.toFixed(0)} ms`);
    log('profiling the broker: consume');
    const c = await profiled(dataDir, profDir, 'consume', (address) => kcatConsumeAll(address, 'bench'));
    log(`  consume under --cpu-prof: ${c.result.ms.toFixed(0)} ms, ${c.result.count} messages`);
    return { produce: p.summary, consume: c.summary, files: [p.file, c.file] };
  } finally {
    removeDir(work);
  }
}
