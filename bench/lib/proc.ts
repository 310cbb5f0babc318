/**
 * Child processes for the benchmarks: the broker CLI, librdkafka's mock cluster, the web app and
 * small helper servers. Every child started here is SIGKILLed if the bench process exits first,
 * so an aborted run never leaves a broker holding a port or a data dir.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = join(REPO_ROOT, 'bench');
export const BUILD_DIR = join(BENCH_DIR, '.build');

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    process.exit(130);
  });
}

export interface Child {
  child: ChildProcess;
  pid: number;
  /** Settles when the process has exited and its pipes are drained. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KB of stdout+stderr, for error messages. */
  tail(): string;
  /** Resolves with the first stdout JSON line (pino) for which `pred` holds. */
  waitForJson(pred: (rec: Record<string, any>) => boolean, timeoutMs?: number, what?: string): Promise<Record<string, any>>;
  /** Resolves with the first stdout text line matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal`; SIGKILLs after `graceMs` if the process is still there. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** stdin 'pipe' keeps it open until we end it (the mock cluster exits on stdin EOF). */
  stdin?: 'ignore' | 'pipe';
}

/** Spawns `cmd`; stdout is parsed line by line (pino JSON or plain text), everything is drained. */
export function spawnChild(cmd: string, opts: SpawnOptions): Child {
  const child = spawn(cmd, opts.args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let tail = '';
  const keep = (s: string) => {
    tail = (tail + s).slice(-8000);
  };
  // A bounded window of stdout lines; `dropped` keeps absolute line numbers stable for waiters.
  let lines: string[] = [];
  let dropped = 0;
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    keep(chunk);
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 4000) {
      dropped += lines.length - 2000;
      lines = lines.slice(-2000);
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', keep);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      r({ code, signal });
    }),
  );
  child.on('error', (err) => keep(`\n[spawn error] ${err.message}\n`));

  const waitFor = <T>(match: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolveWait, reject) => {
      let scanned = dropped;
      const check = () => {
        for (scanned = Math.max(scanned, dropped); scanned < dropped + lines.length; scanned++) {
          const hit = match(lines[scanned - dropped]);
          if (hit !== undefined) {
            done();
            resolveWait(hit);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${cmd}: no ${what} within ${timeoutMs} ms; output:\n${tail}`));
      }, timeoutMs);
      const onExit = () => {
        setTimeout(() => {
          check();
          if (waiters.has(check)) {
            done();
            reject(new Error(`${cmd} exited before ${what}; output:\n${tail}`));
          }
        }, 50);
      };
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off('exit', onExit);
      };
      waiters.add(check);
      child.on('exit', onExit);
      check();
    });

  return {
    child,
    pid: child.pid ?? -1,
    exited: closed,
    tail: () => tail,
    waitForJson(pred, timeoutMs = 30_000, what = 'matching log line') {
      return waitFor((line) => {
        if (!line.startsWith('{')) return undefined;
        try {
          const rec = JSON.parse(line) as Record<string, any>;
          return pred(rec) ? rec : undefined;
        } catch {
          return undefined;
        }
      }, timeoutMs, what);
    },
    waitForLine(re, timeoutMs = 30_000) {
      return waitFor((line) => re.exec(line) ?? undefined, timeoutMs, `line ${re}`);
    },
    async stop(signal = 'SIGTERM', graceMs = 6000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(t);
    },
  };
}

/** `node --import tsx <script>`: what `npx tsx` runs, minus the npx wrapper, so signals reach it. */
export function spawnTsx(script: string, args: string[], env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []): Child {
  return spawnChild(process.execPath, { args: [...nodeFlags, '--import', 'tsx', join(REPO_ROOT, script), ...args], env });
}

export interface BrokerChild extends Child {
  port: number;
  address: string;
}

let built = false;
/** scripts/build-if-stale.mjs once per bench (what `prestart`/`prebroker` run): a no-op when dist/ is newer than src/. */
export function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-if-stale.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

/** The embedded broker as `npm run broker` runs it (compiled dist/broker/cli.js), on a free port. */
/**
 * The node flags of a package.json script that runs `node <flags> <entry>` (source maps, heap
 * settings), read from it so the bench starts exactly what `npm start` / `npm run broker` start.
 */
export function npmScriptNodeFlags(script: string, entry: string): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts[script] ?? '').split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== entry) throw new Error(`package.json script ${script} does not run node ... ${entry}: ${pkg.scripts[script]}`);
  return words.slice(1, -1);
}

export async function startBrokerCli(dataDir: string, opts: { nodeFlags?: string[]; args?: string[] } = {}): Promise<BrokerChild> {
  ensureBuilt();
  const c = spawnChild(process.execPath, {
    args: [
      ...npmScriptNodeFlags('broker', 'dist/broker/cli.js'),
      ...(opts.nodeFlags ?? []),
      join(REPO_ROOT, 'dist', 'broker', 'cli.js'),
      ...['--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...(opts.args ?? [])],
    ],
    env: { LOG_LEVEL: undefined },
  });
  const rec = await c.waitForJson((r) => r.msg === 'embedded Kafka broker listening', 30_000, 'listening line');
  const port = Number(rec.port);
  return { ...c, port, address: `127.0.0.1:${port}` };
}

/** librdkafka's mock cluster (bench/mock-cluster), one broker, `topics` pre-created. */
export async function startMockCluster(topics: string[], partitions: number): Promise<BrokerChild> {
  const c = spawnChild(join(BUILD_DIR, 'mock_cluster'), { args: [String(partitions), ...topics], stdin: 'pipe' });
  const m = await c.waitForLine(/^bootstrap=(.+)$/, 10_000);
  const address = m[1].split(',')[0];
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return {
    ...c,
    port,
    address,
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      c.child.stdin?.end();
      await c.stop(signal, graceMs);
    },
  };
}

/** Resident set size of a live process in bytes (VmRSS from /proc), or NaN if it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** VmRSS split into anonymous memory (heap, buffers) and file-backed pages, in bytes. */
export function rssParts(pid: number): { anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return { anon: NaN, file: NaN };
  }
}

export { freePort } from '../../scripts/lib/ports.js';

/** Runs `work`; if it throws, the error also carries the tail of `child`'s output (why it failed). */
export async function withOutputOnError<T>(child: Child, label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const alive = child.child.exitCode === null && child.child.signalCode === null;
    const state = alive ? 'still running' : `exited (${child.child.signalCode ?? `code ${child.child.exitCode}`})`;
    throw new Error(`${(err as Error).message}\n--- ${label} ${state}; last output:\n${child.tail().slice(-3000)}`, { cause: err });
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a command to completion and returns its wall time; throws with its output on failure. */
export function runTimed(cmd: string, args: string[], opts: { stdoutTo?: (chunk: Buffer) => void; timeoutMs?: number } = {}): Promise<{ ms: number; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => opts.stdoutTo?.(b));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      stderr = (stderr + s).slice(-8000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      live.delete(child);
      if (code === 0) resolveRun({ ms, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}
