/**
 * Part 3: the web produce path. autocannon (50 connections, 10 s) posts a 100-byte JSON message to
 * the app's POST /api/messages (acks=all, the app's own embedded broker in-process, its topic
 * created beforehand, its consumer running as in normal use), and the same load goes to a bare
 * Express route with the same JSON parsing and no Kafka, and to that route plus a plain kafkajs
 * producer into the app's broker (our own overhead). All are child processes on this
 * machine, started once; runs alternate between them, each after a short warm-up.
 * The app's RSS is sampled throughout its runs (part 6 reports it). When the app misses its
 * target, one more 10 s load runs against a fresh app under `node --cpu-prof` and the profile is
 * summarised (the broker runs inside the app, so its share shows up there too).
 */
import autocannon, { type Result } from 'autocannon';
import { join } from 'node:path';
import { startAppChild, waitReady, type AppChild } from '../lib/app.js';
import { createTopics } from '../lib/kafka.js';
import { removeDir, tempDir } from '../lib/files.js';
import { copyFileSync, mkdirSync } from 'node:fs';
import { BENCH_DIR, rssBytes, sleep, spawnTsx, type Child } from '../lib/proc.js';
import { mainThreadProfile, summariseProfile, type ProfileSummary } from '../lib/profile.js';
import { median } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const CONNECTIONS = 50;
const DURATION_S = 10;
const WARMUP_S = 2;
export const WEB_TOPIC = 'bench-web';
const BODY = JSON.stringify({ key: 'bench', value: 'v'.repeat(100) });

interface Shot {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  other: number;
  errors: number;
}

async function shoot(url: string, seconds: number): Promise<Shot> {
  const r: Result = await autocannon({
    url: `${url}/api/messages`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
  });
  const ok = r.statusCodeStats['201']?.count ?? 0;
  const total = Object.values(r.statusCodeStats).reduce((a, s) => a + s.count, 0);
  return { rps: ok / r.duration, p50: r.latency.p50, p99: r.latency.p99, ok, other: total - ok, errors: r.errors + r.timeouts };
}

export interface WebResult {
  rows: Row[];
  data: Record<string, unknown>;
  appRss: { peak: number; samples: number };
  profile?: ProfileSummary;
}

async function startWebApp(dataDir: string, nodeFlags: string[] = []): Promise<AppChild> {
  const app = await startAppChild({ brokers: 'embedded', dataDir, topic: WEB_TOPIC, nodeFlags });
  try {
    await createTopics(app.broker, [WEB_TOPIC], 3).catch(() => {
      // The app's consumer may have created it first (auto-create); either way it exists now.
    });
    await waitReady(app.url);
    return app;
  } catch (err) {
    await app.stop('SIGKILL');
    throw err;
  }
}

/** One warm-up and one measured load against an app running under --cpu-prof. */
export async function profileApp(log: (s: string) => void): Promise<ProfileSummary> {
  const dir = tempDir('bench-web-prof-');
  try {
    const profDir = join(dir, 'prof');
    const app = await startWebApp(join(dir, 'kafka'), ['--cpu-prof', '--cpu-prof-dir', profDir]);
    try {
      await shoot(app.url, WARMUP_S);
      const shot = await shoot(app.url, DURATION_S);
      log(`web app under --cpu-prof: ${shot.rps.toFixed(0)} rps`);
    } finally {
      await app.stop('SIGTERM', 10_000);
    }
    const file = mainThreadProfile(profDir);
    mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
    copyFileSync(file, join(BENCH_DIR, 'results', 'app-web.cpuprofile'));
    return summariseProfile(file, 15, 'src/web/');
  } finally {
    removeDir(dir);
  }
}

export async function webProduce(opts: { runs: number; log: (s: string) => void; profile: boolean }): Promise<WebResult> {
  const dir = tempDir('bench-web-');
  let app: AppChild | undefined;
  let bare: Child | undefined;
  let plain: Child | undefined;
  const appShots: Shot[] = [];
  const bareShots: Shot[] = [];
  const plainShots: Shot[] = [];
  const rss: number[] = [];
  try {
    app = await startWebApp(join(dir, 'kafka'));
    bare = spawnTsx('bench/servers/bare-express.ts', []);
    const barePort = Number((await bare.waitForLine(/^port=(\d+)$/))[1]);
    const bareUrl = `http://127.0.0.1:${barePort}`;
    // Produces into the app's own broker, so both Kafka paths share one broker and one log.
    plain = spawnTsx('bench/servers/express-kafkajs.ts', [app.broker, WEB_TOPIC]);
    const plainUrl = `http://127.0.0.1:${Number((await plain.waitForLine(/^port=(\d+)$/))[1])}`;
    const appPid = app.pid;

    for (let r = 0; r < opts.runs; r++) {
      const order = r % 2 === 0 ? ['app', 'bare', 'plain'] : ['plain', 'bare', 'app'];
      for (const which of order) {
        const url = which === 'app' ? app.url : which === 'bare' ? bareUrl : plainUrl;
        await shoot(url, WARMUP_S);
        let sampling = which === 'app';
        const sampler = (async () => {
          while (sampling) {
            rss.push(rssBytes(appPid));
            await sleep(200);
          }
        })();
        const shot = await shoot(url, DURATION_S);
        sampling = false;
        await sampler;
        (which === 'app' ? appShots : which === 'bare' ? bareShots : plainShots).push(shot);
        opts.log(`web run ${r + 1}/${opts.runs} ${which}: ${shot.rps.toFixed(0)} rps, p50 ${shot.p50} ms, p99 ${shot.p99} ms, non-201 ${shot.other}, errors ${shot.errors}`);
      }
    }
  } finally {
    await app?.stop('SIGTERM');
    await bare?.stop('SIGTERM');
    await plain?.stop('SIGTERM');
    removeDir(dir);
  }

  const m = (shots: Shot[], f: (s: Shot) => number) => median(shots.map(f));
  const appRps = m(appShots, (s) => s.rps);
  const bareRps = m(bareShots, (s) => s.rps);
  const failures = appShots.reduce((a, s) => a + s.other + s.errors, 0);
  const n = `median of ${opts.runs} x ${DURATION_S} s, ${CONNECTIONS} connections`;
  const rows = [
    row('3 web', 'POST /api/messages, app (acks=all)', appRps, 'req/s', { note: `${n}${failures ? `; ${failures} NON-201/ERRORS` : ''}` }),
    row('3 web', 'same POST, bare Express (reference)', bareRps, 'req/s', { note: n }),
    row('3 web', 'web produce ratio app / bare', median(appShots.map((a, i) => a.rps / bareShots[i].rps)), 'x', {
      target: { op: '>=', value: 0.6 },
      digits: 2,
      note: `median of ${opts.runs} per-run ratios`,
    }),
    row('3 web', 'same POST, bare Express + kafkajs producer (reference)', m(plainShots, (s) => s.rps), 'req/s', {
      note: `${n}; idempotent, acks=all, one send per request, into the app's broker`,
    }),
    row('3 web', 'our own overhead: app / bare Express + kafkajs', median(appShots.map((a, i) => a.rps / plainShots[i].rps)), 'x', { digits: 2, note: `median of ${opts.runs} per-run ratios` }),
    row('3 web', 'app latency p50', m(appShots, (s) => s.p50), 'ms', { note: `bare: ${m(bareShots, (s) => s.p50)} ms` }),
    row('3 web', 'app latency p99', m(appShots, (s) => s.p99), 'ms', { note: `bare: ${m(bareShots, (s) => s.p99)} ms` }),
  ];
  if (failures) rows[2].verdict = 'miss';
  const peak = Math.max(...rss.filter(Number.isFinite));
  const profile = rows[2].verdict === 'miss' && opts.profile ? await profileApp(opts.log) : undefined;
  return {
    rows,
    profile,
    appRss: { peak, samples: rss.length },
    data: { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, body: BODY, app: appShots, bare: bareShots, expressKafkajs: plainShots, appRssPeak: peak },
  };
}
