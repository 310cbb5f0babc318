/**
 * Part 5b: the embedded broker moving between app instances (zero-setup mode, no standalone
 * broker). Three instances share one data directory and one embedded port; the first hosts the
 * broker. Messages go in through the survivors' POST /api/messages at a steady pace. In turn the
 * host is killed (SIGKILL) or stopped (SIGTERM), and a replacement instance joins afterwards so
 * every round starts with three.
 *
 * - SIGKILL: time from the kill to the first message *sent after the kill* that a survivor
 *   consumed (its own receivedAt stamp, same clock): produce and consume both work again.
 *   Target: session timeout + 3 s.
 * - SIGTERM: produce unavailability, the longest gap between two consecutive acknowledged POSTs
 *   around the stop (a POST that waits or fails widens the gap). Target: 3 s.
 */
import { join } from 'node:path';
import { startAppChild, waitReady, type AppChild } from '../lib/app.js';
import { removeDir, tempDir } from '../lib/files.js';
import { freePort, sleep } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const TOPIC = 'bench-embedded-failover';
const SESSION_TIMEOUT_MS = 6000;
const PACE_MS = 20;

interface Member {
  app: AppChild;
  name: string;
}

async function hostOf(members: Member[]): Promise<Member> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const views = await Promise.all(
      members.map(async (m) => {
        try {
          const res = await fetch(`${m.app.url}/api/cluster`, { signal: AbortSignal.timeout(3000) });
          return ((await res.json()) as { broker?: { host?: { instanceId?: string | null } | null } }).broker?.host?.instanceId ?? null;
        } catch {
          return null;
        }
      }),
    );
    const host = members.find((m) => m.name === views[0]);
    if (host && views.every((v) => v === host.name)) return host;
    await sleep(200);
  }
  throw new Error('the instances did not agree on a broker host within 60 s');
}

/** POSTs to the given members in turn; `acks` holds completion times of acknowledged sends. */
function produceLoop(round: number, targets: () => Member[]) {
  const acks: number[] = [];
  const sentAt = new Map<string, number>();
  let running = true;
  let n = 0;
  const worker = async () => {
    while (running) {
      const list = targets();
      const m = list[n % list.length];
      const value = `bench-${round}-${n++}`;
      const t = Date.now();
      sentAt.set(value, t);
      try {
        const res = await fetch(`${m!.app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ topic: TOPIC, value }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 201) acks.push(Date.now());
      } catch {
        // counted as a gap
      }
      await sleep(Math.max(0, PACE_MS - (Date.now() - t)));
    }
  };
  const done = Promise.all([worker(), worker()]);
  return {
    acks,
    sentAt,
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Earliest receivedAt at or after `since` of a message sent after `since`, on any of `members`. */
async function firstConsumedAfter(members: Member[], sentAt: Map<string, number>, since: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    let best: number | undefined;
    for (const m of members) {
      try {
        const res = await fetch(`${m.app.url}/api/messages`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { messages: Array<{ topic: string; value: string; receivedAt: string }> };
        for (const msg of body.messages) {
          const sent = sentAt.get(msg.value);
          const at = Date.parse(msg.receivedAt);
          if (msg.topic === TOPIC && sent !== undefined && sent > since && (best === undefined || at < best)) best = at;
        }
      } catch {
        // a survivor busy rejoining may answer late
      }
    }
    if (best !== undefined) return best;
    await sleep(100);
  }
  throw new Error(`no survivor consumed a message sent after the kill within ${timeoutMs} ms`);
}

/** Longest gap between consecutive acknowledgements within [from, to]. */
function longestGap(acks: number[], from: number, to: number): number {
  const inside = acks.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  let gap = 0;
  let prev = from;
  for (const t of inside) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, to - prev);
}

export async function embeddedFailover(opts: { runs: number; log: (s: string) => void }): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const dir = tempDir('bench-embedded-failover-');
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const members: Member[] = [];
  let seq = 0;
  const start = async () => {
    const name = `embedded-${++seq}`;
    const app = await startAppChild({
      brokers: 'embedded',
      embeddedPort: port,
      dataDir,
      topic: TOPIC,
      groupId: 'bench-embedded-failover',
      instanceId: name,
      env: { MESSAGES_CAPACITY: '5000', KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) },
    });
    members.push({ app, name });
    await waitReady(app.url);
  };
  const crash: number[] = [];
  const graceful: number[] = [];
  let loop: ReturnType<typeof produceLoop> | undefined;
  try {
    await start();
    await Promise.all([start(), start()]);
    for (let r = 0; r < opts.runs * 2; r++) {
      const kind = r % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
      const host = await hostOf(members);
      const survivors = members.filter((m) => m !== host);
      loop = produceLoop(r, () => survivors);
      await sleep(1500);
      const t0 = Date.now();
      host.app.child.kill(kind);
      if (kind === 'SIGKILL') {
        const at = await firstConsumedAfter(survivors, loop.sentAt, t0, SESSION_TIMEOUT_MS + 30_000);
        crash.push(at - t0);
        opts.log(`embedded host ${host.name} SIGKILL: a survivor consumed again after ${at - t0} ms`);
        await loop.stop();
      } else {
        await host.app.exited;
        await sleep(5000);
        await loop.stop();
        const gap = longestGap(loop.acks, t0, Date.now() - 1000);
        graceful.push(gap);
        opts.log(`embedded host ${host.name} SIGTERM: produce unavailable for at most ${gap} ms`);
      }
      loop = undefined;
      await host.app.stop('SIGKILL', 1000);
      members.splice(members.indexOf(host), 1);
      await start();
    }
  } finally {
    await loop?.stop();
    await Promise.all(members.map((m) => m.app.stop('SIGTERM')));
    removeDir(dir);
  }
  const n = `median of ${opts.runs}; 3 instances in embedded mode sharing a data directory, ~${2000 / PACE_MS} POST/s to the survivors`;
  return {
    rows: [
      row('5 failover', 'embedded host SIGKILL to survivors consuming again', median(crash), 'ms', {
        target: { op: '<=', value: SESSION_TIMEOUT_MS + 3000 },
        note: `session timeout ${SESSION_TIMEOUT_MS} ms + 3 s; ${n}`,
      }),
      row('5 failover', 'embedded host SIGTERM: longest produce gap', median(graceful), 'ms', { target: { op: '<=', value: 3000 }, note: n }),
    ],
    data: { embeddedCrashMs: crash, embeddedGracefulGapMs: graceful, sessionTimeoutMs: SESSION_TIMEOUT_MS, paceMs: PACE_MS },
  };
}
