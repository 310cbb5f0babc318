/**
 * Part 5: failover inside a group of three app instances (child processes, one partition each)
 * sharing a broker CLI child. A kafkajs producer sends a steady trickle to every partition. One
 * instance is stopped (SIGTERM: the app leaves the group) or killed (SIGKILL: the broker notices
 * only when its session times out, 6 s by default), and we time from the signal to the first
 * message a survivor consumes on a partition the dead instance owned. "Consumed" is the survivor's
 * own receivedAt stamp from GET /api/messages (same clock as ours). A replacement instance is then
 * started so every round begins with three members.
 */
import { join } from 'node:path';
import { startAppChild, waitReady, type AppChild } from '../lib/app.js';
import { connectedProducer, createTopics } from '../lib/kafka.js';
import { removeDir, tempDir } from '../lib/files.js';
import { sleep, startBrokerCli } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { row, type Row } from '../lib/report.js';

const TOPIC = 'bench-failover';
const PARTITIONS = 3;
const TRICKLE_MS = 20; // per partition: 50 msg/s each
const SESSION_TIMEOUT_MS = 6000; // the app's default kafka.sessionTimeoutMs

interface Member {
  app: AppChild;
  name: string;
}

async function partitionsOf(m: Member): Promise<number[] | undefined> {
  try {
    const res = await fetch(`${m.app.url}/readyz`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { consumer?: { state?: string; partitions?: number[] } };
    return body.consumer?.state === 'running' ? (body.consumer.partitions ?? []) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until each member owns exactly one partition and together they own all of them. */
async function waitBalanced(members: Member[], timeoutMs = 60_000): Promise<Map<Member, number[]>> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    const owned = await Promise.all(members.map(partitionsOf));
    const flat = owned.flatMap((p) => p ?? []);
    last = JSON.stringify(owned);
    if (owned.every((p) => p?.length === 1) && new Set(flat).size === PARTITIONS) {
      return new Map(members.map((m, i) => [m, owned[i]!]));
    }
    await sleep(100);
  }
  throw new Error(`group did not settle to one partition per member within ${timeoutMs} ms: ${last}`);
}

/** Earliest receivedAt (ms) at or after `since` of a message on `partitions` held by any of `members`. */
async function firstTakeover(members: Member[], partitions: number[], since: number, timeoutMs: number): Promise<{ at: number; by: string }> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    let best: { at: number; by: string } | undefined;
    for (const m of members) {
      try {
        const res = await fetch(`${m.app.url}/api/messages`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as { messages: { partition: number; receivedAt: string }[] };
        for (const msg of body.messages) {
          const at = Date.parse(msg.receivedAt);
          if (partitions.includes(msg.partition) && at >= since && (!best || at < best.at)) best = { at, by: m.name };
        }
      } catch {
        // a survivor busy rebalancing may answer late; try again
      }
    }
    if (best) return best;
    await sleep(100);
  }
  throw new Error(`no survivor consumed partitions ${partitions.join(',')} within ${timeoutMs} ms`);
}

export async function failover(opts: { runs: number; log: (s: string) => void }): Promise<{ rows: Row[]; data: Record<string, unknown> }> {
  const dir = tempDir('bench-failover-');
  const broker = await startBrokerCli(join(dir, 'data'));
  const members: Member[] = [];
  let seq = 0;
  const start = async () => {
    const name = `bench-${++seq}`;
    const app = await startAppChild({
      brokers: broker.address,
      topic: TOPIC,
      groupId: 'bench-failover',
      instanceId: name,
      env: { MESSAGES_CAPACITY: '5000', KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS) },
    });
    members.push({ app, name });
  };
  let trickling = true;
  let trickle: Promise<void> | undefined;
  const graceful: number[] = [];
  const crash: number[] = [];
  try {
    await createTopics(broker.address, [TOPIC], PARTITIONS);
    await Promise.all([start(), start(), start()]);
    await Promise.all(members.map((m) => waitReady(m.app.url)));
    const producer = await connectedProducer(broker.address);
    trickle = (async () => {
      try {
        while (trickling) {
          const t = Date.now();
          await producer.send({
            topic: TOPIC,
            acks: -1,
            messages: Array.from({ length: PARTITIONS }, (_, p) => ({ partition: p, value: String(t) })),
          });
          await sleep(Math.max(0, TRICKLE_MS - (Date.now() - t)));
        }
      } finally {
        await producer.disconnect();
      }
    })();

    for (let r = 0; r < opts.runs * 2; r++) {
      const kind = r % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
      const owned = await waitBalanced(members);
      await sleep(1000);
      const victim = members[0];
      const dead = owned.get(victim)!;
      const survivors = members.slice(1);
      const t0 = Date.now();
      victim.app.child.kill(kind);
      const hit = await firstTakeover(survivors, dead, t0, SESSION_TIMEOUT_MS + 30_000);
      const ms = hit.at - t0;
      (kind === 'SIGTERM' ? graceful : crash).push(ms);
      opts.log(`failover ${kind}: partition ${dead.join(',')} of ${victim.name} resumed by ${hit.by} after ${ms} ms`);
      await victim.app.stop('SIGKILL', 1000);
      members.shift();
      await start();
      await waitReady(members[members.length - 1].app.url);
    }
  } finally {
    trickling = false;
    await trickle?.catch(() => {});
    await Promise.all(members.map((m) => m.app.stop('SIGTERM')));
    await broker.stop('SIGTERM');
    removeDir(dir);
  }
  const n = `median of ${opts.runs}; 3 instances, 3 partitions, ${1000 / TRICKLE_MS} msg/s per partition`;
  return {
    rows: [
      row('5 failover', 'graceful handover (SIGTERM) to first consume', median(graceful), 'ms', { target: { op: '<=', value: 1000 }, note: n }),
      row('5 failover', 'crash takeover (SIGKILL) to first consume', median(crash), 'ms', {
        target: { op: '<=', value: SESSION_TIMEOUT_MS + 2000 },
        note: `session timeout ${SESSION_TIMEOUT_MS} ms; ${n}`,
      }),
    ],
    data: { gracefulMs: graceful, crashMs: crash, sessionTimeoutMs: SESSION_TIMEOUT_MS, trickleMs: TRICKLE_MS },
  };
}
