/**
 * Plumbing for the multi-process tests: app instances as real child processes
 * (`node --import tsx src/main.ts`) on real ports, free-port helpers, and process bookkeeping
 * so an `after` hook can kill whatever a failed test left running.
 *
 *   const procs = new ProcessSet();
 *   after(() => procs.killAll());
 *   const a = await spawnApp(procs, { brokers: broker.brokers[0], groupId: 'g', env: { ... } });
 *   await a.ready();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
export { freePort } from '../helpers/ports.js';
import { freePort } from '../helpers/ports.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = path.join(ROOT, 'src', 'main.ts');
export const TSX = import.meta.resolve('tsx');

import { tempDir } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';
export { tempDir, waitFor };

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}


/** `count` consecutive ports that are free right now (for scripts that take a base port). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await canListen(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/** Alive and not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Every process a test file started, by pid, so `after` can clean up even after a failure. */
export class ProcessSet {
  private readonly pids = new Set<number>();
  private readonly dirs = new Set<string>();

  add(pid: number | undefined): void {
    if (pid) this.pids.add(pid);
  }

  dir(d: string): string {
    this.dirs.add(d);
    return d;
  }

  killAll(): void {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.pids.clear();
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
    this.dirs.clear();
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child whose stdout is read as pino JSON lines. */
export class LoggedChild {
  readonly lines: Array<Record<string, unknown>> = [];
  private text = '';
  private err = '';
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.text += chunk;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ raw: line });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    this.exited = new Promise<Exit>((resolve) =>
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        void closed.then(() => resolve({ code, signal }));
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  stdout(): string {
    return this.text;
  }

  stderr(): string {
    return this.err;
  }

  logged(msg: string): Record<string, unknown> | undefined {
    return this.lines.find((l) => l.msg === msg);
  }

  /** SIGTERM (or `signal`), SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface AppOptions {
  /** `host:port` of the broker. */
  brokers: string;
  groupId: string;
  topic?: string;
  /** HTTP port; 0 (default) lets the OS choose and the URL is read from the log. */
  port?: number;
  instanceId?: string;
  env?: Record<string, string>;
}

export class AppProcess extends LoggedChild {
  url = '';
  instanceId = '';

  /** Resolves once the app logged its URL; rejects if it exits first. */
  async listening(timeoutMs = 30_000): Promise<string> {
    const line = await waitFor(`app pid ${this.pid} listening`, () => {
      if (!this.running) throw new Error(`exited ${JSON.stringify(this.exit)}: ${this.stderr()}`);
      return this.logged('web app listening');
    }, timeoutMs, 50);
    this.url = String(line.url);
    this.instanceId = String(line.instance);
    return this.url;
  }

  /** Resolves once /readyz answers 200 (producer connected, consumer in the group). */
  async ready(timeoutMs = 45_000): Promise<void> {
    if (!this.url) await this.listening(timeoutMs);
    await waitFor(`${this.instanceId} ready`, async () => {
      if (!this.running) throw new Error(`${this.instanceId} exited ${JSON.stringify(this.exit)}`);
      const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      return res.status === 200;
    }, timeoutMs, 200);
  }

  async json<T = any>(urlPath: string): Promise<T> {
    const res = await fetch(`${this.url}${urlPath}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`GET ${urlPath} on ${this.instanceId}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

const SECRETS = {
  SESSION_SECRET: 'multi-process-session-secret-0123',
  CSRF_SECRET: 'multi-process-csrf-secret-0123456',
  // Load from one address (the test) is the point here; the limiter has its own test.
  RATE_LIMIT_MAX: '0',
};

/**
 * Starts `src/main.ts` in an empty working directory (no config file, no .env), so only what is
 * passed here configures it.
 */
export function spawnApp(procs: ProcessSet, opts: AppOptions): AppProcess {
  const cwd = procs.dir(tempDir('kwd-multi-cwd-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    LOG_LEVEL: 'info',
    ...SECRETS,
    KAFKA_BROKERS: opts.brokers,
    KAFKA_GROUP_ID: opts.groupId,
    PORT: String(opts.port ?? 0),
    ...(opts.topic ? { KAFKA_TOPIC: opts.topic } : {}),
    ...(opts.instanceId ? { INSTANCE_ID: opts.instanceId } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.add(child.pid);
  return new AppProcess(child);
}

export interface ApiMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  instance: string;
}

export async function apiMessages(app: AppProcess): Promise<ApiMessage[]> {
  return (await app.json<{ messages: ApiMessage[] }>('/api/messages')).messages;
}

export async function postMessage(app: AppProcess, body: { topic?: string; key?: string; value: string }): Promise<Record<string, unknown>> {
  const res = await fetch(`${app.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /api/messages on ${app.instanceId}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export interface Readyz {
  status: number;
  instance: string;
  partitions: number[];
}

export async function readyz(app: AppProcess): Promise<Readyz> {
  const res = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { instance: string; consumer: { partitions: number[] } };
  return { status: res.status, instance: body.instance, partitions: body.consumer.partitions };
}

/**
 * Waits until the running `apps` are all ready and own disjoint, non-empty partition sets that
 * together cover `0..partitions-1`, the same on two reads in a row (a rebalance in progress can
 * briefly show an old assignment on one member). Returns instance id -> partitions.
 */
export async function settledAssignment(apps: AppProcess[], partitions: number, timeoutMs = 45_000): Promise<Map<string, number[]>> {
  const expected = Array.from({ length: partitions }, (_, i) => i).join();
  let previous = '';
  return waitFor(
    `partitions 0-${partitions - 1} split over ${apps.map((a) => a.instanceId).join(', ')}`,
    async () => {
      const views = await Promise.all(apps.map((a) => readyz(a)));
      const all = views.flatMap((v) => v.partitions).sort((a, b) => a - b);
      const ok = views.every((v) => v.status === 200 && v.partitions.length > 0) && all.join() === expected;
      const key = views.map((v) => `${v.instance}=${v.partitions.join('.')}`).join(' ');
      const stable = ok && key === previous;
      previous = ok ? key : '';
      return stable ? new Map(views.map((v) => [v.instance, v.partitions])) : false;
    },
    timeoutMs,
    500,
  );
}

/** Identity of a record in the log. */
export const recordId = (m: { partition: number; offset: string | number }) => `${m.partition}@${m.offset}`;

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Posts the app's HTML forms the way a browser does: keeps cookies, takes the CSRF token from the
 * page, does not follow the 303 (so the flash cookie can be read by the next GET).
 */
export class FormClient {
  private readonly jar = new Map<string, string>();

  constructor(private readonly base: string) {}

  private cookieHeader(): Record<string, string> {
    return this.jar.size ? { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async get(urlPath: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.base}${urlPath}`, { headers: this.cookieHeader(), redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    this.keep(res);
    return { status: res.status, text: await res.text() };
  }

  async postForm(page: string, action: string, fields: Record<string, string>): Promise<{ status: number; location: string | null; text: string }> {
    const { text: html } = await this.get(page);
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${page}`);
    const res = await fetch(`${this.base}${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader() },
      body: new URLSearchParams({ ...fields, _csrf: token }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    this.keep(res);
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }
}

/** The flash alert of a rendered page: its kind (success, danger, ...) and text. */
export function flashOf(html: string): { kind: string; text: string } | undefined {
  const m = /<div class="alert alert-(\w+)"[^>]*data-testid="flash">([\s\S]*?)<\/div>/.exec(html);
  return m ? { kind: m[1]!, text: m[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() } : undefined;
}
