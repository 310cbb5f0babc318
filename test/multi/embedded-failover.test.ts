/**
 * Zero-setup multi-master without a single point of failure, through the real `npm start` path:
 * three app processes in embedded mode share one data directory and one (free) embedded port,
 * with no standalone broker. The first one hosts the broker; a steady stream of messages goes in
 * through the instances' POST /api/messages. The host is killed (kill -9), a survivor takes the
 * broker over by itself, then that new host is killed as well, and the last instance carries on
 * alone. Every acknowledged message must still be in the log at its acknowledged offset, every
 * one must have been consumed (the group's commits cover it), and no committed offset may go
 * back. A second test stops the host gracefully (SIGTERM) and checks it hands over at once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import { testKafka } from '../helpers/kafka.js';
import { apiMessages, freePort, ProcessSet, recordId, spawnApp, tempDir, waitFor, type AppProcess } from './harness.js';

const TOPIC = 'embedded-failover';
const GROUP = 'embedded-failover-group';
const SESSION_MS = 6000;

const procs = new ProcessSet();
after(() => procs.killAll());

interface Acked {
  value: string;
  partition: number;
  offset: string;
  at: number;
  via: string;
}

async function startCluster(names: string[], together = false): Promise<{ apps: AppProcess[]; address: string }> {
  const dataDir = procs.dir(tempDir('kwd-failover-data-'));
  const port = await freePort();
  const app = (name: string) =>
    spawnApp(procs, {
      brokers: 'embedded',
      groupId: GROUP,
      topic: TOPIC,
      instanceId: name,
      env: {
        EMBEDDED_PORT: String(port),
        EMBEDDED_DATA_DIR: dataDir,
        MESSAGES_CAPACITY: '20000',
        KAFKA_SESSION_TIMEOUT_MS: String(SESSION_MS),
        KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      },
    });
  if (together) {
    const apps = names.map(app);
    await Promise.all(apps.map((a) => a.ready()));
    return { apps, address: `127.0.0.1:${port}` };
  }
  // The first one finds nobody and hosts; the others find it and join.
  const first = app(names[0]!);
  await first.ready();
  const rest = names.slice(1).map(app);
  await Promise.all(rest.map((a) => a.ready()));
  return { apps: [first, ...rest], address: `127.0.0.1:${port}` };
}

/** POSTs a numbered message every few ms to the live instances in turn, recording what was acknowledged. */
class Stream {
  readonly acked: Acked[] = [];
  failures = 0;
  private running = true;
  private readonly done: Promise<void>;
  private n = 0;

  constructor(private readonly live: () => AppProcess[]) {
    this.done = Promise.all([this.worker(), this.worker()]).then(() => {});
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const apps = this.live();
      const i = this.n++;
      const app = apps[i % apps.length];
      if (!app) break;
      const value = `msg-${i}`;
      try {
        const res = await fetch(`${app.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key: `key-${i}`, value }),
          signal: AbortSignal.timeout(15_000),
        });
        const body = (await res.json()) as { partition?: number; offset?: string };
        if (res.status === 201) this.acked.push({ value, partition: body.partition!, offset: body.offset!, at: Date.now(), via: app.instanceId });
        else this.failures++;
      } catch {
        this.failures++;
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

interface BrokerView {
  mode: string;
  host: { instanceId: string | null; pid: number; self: boolean } | null;
  reachable: boolean;
  handoffs: number;
}

/** The broker as /api/cluster reports it; `admin` says whether its admin client could read the cluster. */
async function brokerView(app: AppProcess): Promise<BrokerView & { admin: boolean }> {
  const res = await fetch(`${app.url}/api/cluster`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { broker: BrokerView; cluster: unknown };
  return { ...body.broker, admin: res.status === 200 && body.cluster !== null };
}

/** All `apps` agree on one host among them, which says it hosts, and their admin clients work again. Returns it. */
async function agreedHost(apps: AppProcess[]): Promise<AppProcess> {
  return waitFor(`${apps.map((a) => a.instanceId).join(', ')} agree on the broker host`, async () => {
    const views = await Promise.all(apps.map(brokerView));
    const ids = new Set(views.map((v) => v.host?.instanceId));
    if (ids.size !== 1 || !views.every((v) => v.reachable && v.admin)) return false;
    const host = apps.find((a) => a.instanceId === views[0]!.host?.instanceId);
    const hostView = views[apps.indexOf(host!)];
    return host && hostView?.mode === 'embedded-started' && hostView.host?.self && host.pid === hostView.host.pid ? host : false;
  }, 60_000, 250);
}

async function metric(app: AppProcess, series: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/** A message acknowledged after `since` has been consumed by one of `survivors`: produce and consume both work. */
async function restored(stream: Stream, survivors: AppProcess[], since: number, what: string): Promise<void> {
  await waitFor(`service restored ${what}`, async () => {
    const after = stream.acked.filter((m) => m.at > since).map((m) => m.value);
    if (after.length === 0) return false;
    const consumed = new Set((await Promise.all(survivors.map((a) => apiMessages(a)))).flat().filter((m) => m.topic === TOPIC).map((m) => m.value));
    return after.some((v) => consumed.has(v));
  }, 60_000, 250);
}

async function withAdmin<T>(address: string, fn: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = testKafka([address]).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

async function committed(address: string): Promise<Map<number, bigint>> {
  return withAdmin(address, async (admin) => {
    const [t] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    return new Map(t!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
  });
}

function assertNotBack(before: Map<number, bigint>, now: Map<number, bigint>, when: string): void {
  for (const [p, o] of before) assert.ok((now.get(p) ?? -1n) >= o, `${when}: committed offset of partition ${p} went back from ${o} to ${now.get(p)}`);
}

/** Every acknowledged message is in the log at its offset, and the group's commits cover all of them. */
async function assertNothingLost(address: string, acked: Acked[]): Promise<void> {
  const needed = new Map<number, bigint>();
  for (const m of acked) needed.set(m.partition, (needed.get(m.partition) ?? 0n) > BigInt(m.offset) + 1n ? needed.get(m.partition)! : BigInt(m.offset) + 1n);
  // The consumer stores a message before it commits it, so commits past an offset mean consumed.
  await waitFor('the group has consumed and committed every acknowledged message', async () => {
    const c = await committed(address);
    if ([...needed].every(([p, o]) => (c.get(p) ?? -1n) >= o)) return true;
    throw new Error(`committed ${[...c].map(([p, o]) => `${p}:${o}`).join(' ')}, needed ${[...needed].map(([p, o]) => `${p}:${o}`).join(' ')}`);
  }, 60_000, 500);

  const kafka = testKafka([address]);
  const reader = kafka.consumer({ groupId: `embedded-failover-reader-${Date.now()}` });
  const log = new Map<string, string>();
  await reader.connect();
  try {
    await reader.subscribe({ topics: [TOPIC], fromBeginning: true });
    const ends = await withAdmin(address, (a) => a.fetchTopicOffsets(TOPIC));
    const total = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${log.size} of ${total} records back`)), 60_000);
      if (total === 0) resolve();
      void reader.run({
        eachMessage: async ({ partition, message }) => {
          log.set(`${partition}@${message.offset}`, String(message.value));
          if (log.size >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await reader.disconnect();
  }
  const lost = acked.filter((m) => log.get(recordId(m)) !== m.value);
  assert.deepEqual(lost.map((m) => `${m.value} at ${recordId(m)}: ${log.get(recordId(m))}`), [], 'acknowledged messages missing from the log');
}

test('kill -9 of the host, then of the new host: a survivor takes over each time, nothing acknowledged is lost', { timeout: 240_000 }, async (t) => {
  const { apps, address } = await startCluster(['fo-a', 'fo-b', 'fo-c']);
  const live = new Set(apps);
  const host1 = await agreedHost(apps);
  assert.equal(host1.instanceId, 'fo-a', 'the first instance hosts');
  const stream = new Stream(() => [...live]);
  await restored(stream, apps, 0, 'at start');

  // First crash: the host dies with everything in flight.
  const before1 = await committed(address);
  live.delete(host1);
  const killed1 = Date.now();
  host1.child.kill('SIGKILL');
  await host1.exited;
  const survivors1 = [...live];
  const host2 = await agreedHost(survivors1);
  await restored(stream, survivors1, killed1, 'after the first kill');
  assertNotBack(before1, await committed(address), 'after the first takeover');
  const takeover = host2.lines.find((l) => l.msg === 'took over the embedded Kafka broker; this instance hosts it now');
  assert.ok(takeover, 'the new host logged the hand-off');
  assert.equal(takeover.from, 'fo-a');
  assert.equal(takeover.staleLock, true, 'a crashed host leaves its lock to be broken');
  assert.equal(await metric(host2, 'kafka_web_demo_broker_handoffs_total{role="took_over"}'), 1);
  const other = survivors1.find((a) => a !== host2)!;
  assert.equal(await metric(other, 'kafka_web_demo_broker_handoffs_total{role="observed"}'), 1);
  assert.ok(other.lines.some((l) => l.msg === 'the embedded Kafka broker moved to another process' && l.to === host2.instanceId));

  // Second crash: the new host dies too; the last instance must take over on its own.
  const before2 = await committed(address);
  live.delete(host2);
  const killed2 = Date.now();
  host2.child.kill('SIGKILL');
  await host2.exited;
  const last = [...live];
  assert.equal(last.length, 1);
  assert.equal((await agreedHost(last)).instanceId, other.instanceId);
  await restored(stream, last, killed2, 'after the second kill');
  assertNotBack(before2, await committed(address), 'after the second takeover');

  await stream.stop();
  t.diagnostic(`acknowledged ${stream.acked.length} (${stream.acked.filter((m) => m.at < killed1).length} before the first kill), refused ${stream.failures}`);
  assert.ok(stream.acked.filter((m) => m.at > killed2).length > 0);
  await assertNothingLost(address, stream.acked);
  // The last instance owns every partition now, so it has consumed everything produced after the
  // second kill (the earlier ones may have been consumed by instances that are gone).
  await waitFor('the last instance consumed every message acknowledged after the second kill', async () => {
    const mine = new Set((await apiMessages(last[0]!)).filter((m) => m.topic === TOPIC).map((m) => m.value));
    return stream.acked.filter((m) => m.at > killed2).every((m) => mine.has(m.value));
  }, 60_000, 500);
});

test('SIGTERM of the host hands the broker over at once: clean exit, lock released, service carries on', { timeout: 180_000 }, async (t) => {
  const { apps, address } = await startCluster(['term-a', 'term-b', 'term-c']);
  const live = new Set(apps);
  const host1 = await agreedHost(apps);
  const stream = new Stream(() => [...live]);
  await restored(stream, apps, 0, 'at start');

  const before = await committed(address);
  live.delete(host1);
  const stopped = Date.now();
  const exit = await host1.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, 'the host stopped gracefully');
  assert.ok(host1.logged('embedded Kafka broker stopped'));
  const survivors = [...live];
  const host2 = await agreedHost(survivors);
  await restored(stream, survivors, stopped, 'after SIGTERM of the host');
  assertNotBack(before, await committed(address), 'after the graceful hand-off');
  const takeover = host2.lines.find((l) => l.msg === 'took over the embedded Kafka broker; this instance hosts it now');
  assert.ok(takeover);
  assert.equal(takeover.from, host1.instanceId);
  assert.equal(takeover.staleLock, false, 'the stopping host released its lock: nothing had to be broken');

  await stream.stop();
  t.diagnostic(`acknowledged ${stream.acked.length}, refused ${stream.failures}`);
  await assertNothingLost(address, stream.acked);
});

test('three instances started at the same moment: exactly one hosts, the others join it', { timeout: 120_000 }, async () => {
  const { apps } = await startCluster(['same-a', 'same-b', 'same-c'], true);
  const host = await agreedHost(apps);
  const started = apps.filter((a) => a.logged('started the embedded Kafka broker in this process'));
  const joined = apps.filter((a) => a.logged('a Kafka broker already answers on the embedded address; joining it'));
  assert.deepEqual(started.map((a) => a.instanceId), [host.instanceId]);
  assert.equal(joined.length, 2);
  assert.equal(apps.flatMap((a) => a.lines.filter((l) => l.msg === 'data directory opened and recovered')).length, 1, 'one process opened the log');
});
