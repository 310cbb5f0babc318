// `npm run bench:broker`: part 1 (broker throughput against librdkafka's mock cluster) alone.
// Writes bench/results/broker.json; `--no-profile` skips the CPU profile taken on a missed target.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brokerThroughput } from './parts/broker-throughput.js';
import { profileBroker } from './parts/broker-profile.js';
import { formatSummary } from './lib/profile.js';
import { markdownTable } from './lib/report.js';
import { loadavg } from 'node:os';
import { checkLoad, log, machine, revision, runs } from './lib/env.js';
import { BENCH_DIR } from './lib/proc.js';

const started = Date.now();
const loadBefore = checkLoad();
const part = await brokerThroughput({ runs: runs(), log });
let profile: Awaited<ReturnType<typeof profileBroker>> | undefined;
if (part.missed && !process.argv.includes('--no-profile')) profile = await profileBroker(log);
const loadAfter = loadavg();

const table = markdownTable(part.rows);
console.log(table);
if (profile) {
  console.log(`\n### Broker profile: produce\n\n${formatSummary(profile.produce)}`);
  console.log(`\n### Broker profile: consume\n\n${formatSummary(profile.consume)}`);
}
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
const out = join(BENCH_DIR, 'results', 'broker.json');
writeFileSync(
  out,
  JSON.stringify(
    { date: new Date().toISOString(), revision: revision(), machine: machine(), seconds: (Date.now() - started) / 1000, loadavg: { before: loadBefore, after: loadAfter }, rows: part.rows, broker: part.data, profile },
    null,
    2,
  ),
);
log(`wrote ${out} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
