/**
 * `npm run bench`: every part of the benchmark in one run, side by side with its reference.
 * Prints a markdown table (value, target, pass/miss) and writes bench/results/latest.json.
 *
 *   npm run bench                     all parts, BENCH_RUNS (default 3) repetitions where cheap
 *   npm run bench -- --parts 1,3      only some parts (1 broker, 2 raw, 3 web, 4 e2e, 5 failover, 6 memory, 7 browse)
 *   npm run bench -- --no-profile     skip the CPU profiles taken when a broker or web target is missed
 *   npm run bench -- --publish        also write bench/results/<date>.json, to be committed with the
 *                                     README table it backs (it names the commit it measured)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brokerThroughput } from './parts/broker-throughput.js';
import { profileBroker } from './parts/broker-profile.js';
import { rawLimits } from './parts/raw.js';
import { webProduce } from './parts/web.js';
import { endToEnd } from './parts/e2e.js';
import { failover } from './parts/failover.js';
import { embeddedFailover } from './parts/embedded-failover.js';
import { brokerMemory } from './parts/memory.js';
import { browseBigTopic } from './parts/browse.js';
import { formatSummary, type ProfileSummary } from './lib/profile.js';
import { markdownTable, row, type Row } from './lib/report.js';
import { checkLoad, log, machine, revision, runs } from './lib/env.js';
import { BENCH_DIR } from './lib/proc.js';
import { MB } from './lib/stats.js';

const { values } = parseArgs({ options: { parts: { type: 'string' }, 'no-profile': { type: 'boolean' }, publish: { type: 'boolean' } } });
const wanted = new Set((values.parts ?? '1,2,3,4,5,6,7').split(',').map((s) => s.trim()));
const n = runs();
const started = Date.now();
const loadBefore = checkLoad();
// Taken before anything starts: the code the children load is the code at this moment.
const rev = revision();

const rows: Row[] = [];
const data: Record<string, unknown> = {};
const timings: Record<string, number> = {};
let profile: { produce: ProfileSummary; consume: ProfileSummary; files: string[] } | undefined;

/** Runs one part; a part that throws is recorded as a failed row, and the others still run. */
async function part(id: string, name: string, fn: () => Promise<void>): Promise<void> {
  if (!wanted.has(id)) return;
  const t = Date.now();
  log(`== part ${id}: ${name}`);
  try {
    await fn();
  } catch (err) {
    log(`part ${id} failed: ${(err as Error).stack ?? String(err)}`);
    rows.push({ ...row(`${id} ${name}`, 'part failed', NaN, ''), verdict: 'miss', note: String((err as Error).message).split('\n')[0].slice(0, 200) });
    data[`part${id}Error`] = String((err as Error).stack ?? err);
  }
  timings[`part${id}`] = (Date.now() - t) / 1000;
}

let appRssRow: Row | undefined;
let appProfile: ProfileSummary | undefined;
await part('1', 'broker', async () => {
  const r = await brokerThroughput({ runs: n, log });
  rows.push(...r.rows);
  data.broker = r.data;
  if (r.missed && !values['no-profile']) {
    profile = await profileBroker(log);
    data.brokerProfile = profile;
  }
});
await part('2', 'raw', async () => {
  const r = await rawLimits({ runs: n, log });
  rows.push(...r.rows);
  data.raw = r.data;
});
await part('3', 'web', async () => {
  const r = await webProduce({ runs: n, log, profile: !values['no-profile'] });
  rows.push(...r.rows);
  data.web = r.data;
  if (r.profile) data.webProfile = appProfile = r.profile;
  appRssRow = row('6 memory', 'app RSS under the part-3 web load (peak)', r.appRss.peak / MB, 'MB', {
    target: { op: '<=', value: 150 },
    note: `embedded broker on a worker thread of the same process (embedded.thread: worker); ${r.appRss.samples} samples`,
  });
});
await part('4', 'e2e', async () => {
  const r = await endToEnd({ log });
  rows.push(...r.rows);
  data.e2e = r.data;
});
await part('5', 'failover', async () => {
  const r = await failover({ runs: n, log });
  rows.push(...r.rows);
  data.failover = r.data;
  const e = await embeddedFailover({ runs: n, log });
  rows.push(...e.rows);
  data.embeddedFailover = e.data;
});
await part('6', 'memory', async () => {
  const r = await brokerMemory({ log });
  rows.push(...r.rows);
  data.memory = r.data;
});
await part('7', 'browse', async () => {
  const r = await browseBigTopic({ log });
  rows.push(...r.rows);
  data.browse = r.data;
});
if (appRssRow) rows.push(appRssRow);
// Part 1 measured Kafka after 1 GB of log; part 6 the embedded broker after the same amount.
const kafkaSide = (data.broker as { kafka?: { rss1GB?: number; version?: string } } | undefined)?.kafka;
const embedded1GB = (data.memory as { rss1GB?: number } | undefined)?.rss1GB;
if (kafkaSide?.rss1GB && embedded1GB) {
  rows.push(
    row('6 memory', `broker RSS after 1 GB of log, embedded / Kafka ${kafkaSide.version}`, embedded1GB / kafkaSide.rss1GB, 'x', {
      target: { op: '<=', value: 0.25 },
      digits: 2,
      note: `${(embedded1GB / MB).toFixed(0)} MB (part 6) vs ${(kafkaSide.rss1GB / MB).toFixed(0)} MB (part 1)`,
    }),
  );
}

const seconds = (Date.now() - started) / 1000;
const table = markdownTable(rows);
const date = new Date().toISOString();
console.log(`## Benchmark results ${date.slice(0, 16).replace('T', ' ')} UTC, commit ${rev.commit}${rev.srcModified ? ' + uncommitted src changes' : ''}\n`);
console.log(table);
if (profile) {
  console.log(`\n### Broker CPU profile: kcat produce of 1M messages\n\n${formatSummary(profile.produce)}`);
  console.log(`\n### Broker CPU profile: kcat consume of 1M messages\n\n${formatSummary(profile.consume)}`);
}
if (appProfile) console.log(`\n### App CPU profile: part-3 web load (embedded broker in-process)\n\n${formatSummary(appProfile)}`);
const missed = rows.filter((r) => r.verdict === 'miss').length;
const passed = rows.filter((r) => r.verdict === 'pass').length;
console.log(`\n${passed} targets met, ${missed} missed; ${seconds.toFixed(0)} s; load average ${loadBefore[0].toFixed(2)} before, ${loadavg()[0].toFixed(2)} after.`);

mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
const loadAfter = loadavg();
// A figure taken on a busy machine is not one to publish as the broker's; the file says so itself.
const underLoad = Math.max(loadBefore[0], loadAfter[0]) >= 1.5;
const json = JSON.stringify(
  { date, revision: rev, machine: machine(), runs: n, seconds, partSeconds: timings, loadavg: { before: loadBefore, after: loadAfter }, underLoad, parts: [...wanted].sort(), rows, ...data },
  null,
  2,
);
for (const name of ['latest.json', ...(values.publish ? [`${date.slice(0, 10)}.json`] : [])]) {
  const out = join(BENCH_DIR, 'results', name);
  writeFileSync(out, json);
  log(`wrote ${out}${underLoad ? ' (measured under load: load average >= 1.5)' : ''}`);
}
