/**
 * Starting the embedded broker from tests.
 *
 * - startTestBroker(): in this process, port 0, temp data dir, silent logger. Call cleanup().
 *   The app suites reach it through startSuiteBroker() (test/app/harness.ts), which picks the
 *   run's Apache Kafka instead under TEST_KAFKA=apache.
 * - spawnBrokerProcess(): the real CLI as a child process (for crash/kill and signal tests);
 *   resolves once the "listening" log line reports the bound port.
 * - spawnCli(): the CLI as a child process without waiting for anything (for --help, bad flags).
 *
 * Every child process started here is SIGKILLed if the test process exits first, so a failed
 * assertion never leaves a broker behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, startBroker, type BrokerOptions, type RunningBroker } from '../../src/broker/index.js';
import { removeDir, tempDir } from './temp.js';
export { removeDir, tempDir } from './temp.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_PATH = join(REPO_ROOT, 'src', 'broker', 'cli.ts');

export interface TestBroker {
  broker: RunningBroker;
  port: number;
  /** ["127.0.0.1:port"], ready for `new Kafka({ brokers })`. */
  brokers: string[];
  dataDir: string;
  /** Closes the broker (if still open) and removes the data dir if this helper created it. */
  cleanup(): Promise<void>;
}

/**
 * Starts a broker in this process on a free port. Pass `dataDir` to reuse a directory (for
 * restart tests); it is then left in place by cleanup().
 */
export async function startTestBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? tempDir('broker-test-');
  let broker: RunningBroker;
  try {
    broker = await startBroker({ logger: silentLogger, ...options, port: options.port ?? 0, dataDir });
  } catch (err) {
    if (ownDir) removeDir(dataDir);
    throw err;
  }
  return {
    broker,
    port: broker.port,
    brokers: [broker.address],
    dataDir,
    async cleanup() {
      await broker.close();
      if (ownDir) removeDir(dataDir);
    },
  };
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written so far (kept whole: tests print it on failure). */
  stdout(): string;
  stderr(): string;
  /** stdout lines that parsed as JSON (pino log records). */
  logs(): Record<string, unknown>[];
  /** Settles once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log record matching `pred`; rejects on timeout or exit. */
  waitForLog(pred: (rec: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/**
 * Runs `node --import tsx src/broker/cli.ts ...args` (what `npx tsx` does, minus the extra npx
 * process, so signals reach the broker itself). Output is always drained, so a chatty broker
 * never blocks on a full pipe.
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, wrapper: string[] = []): CliProcess {
  const command = [...wrapper, process.execPath, '--import', 'tsx', CLI_PATH, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const records: Record<string, unknown>[] = [];
  let partialLine = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const lines = (partialLine + chunk).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const rec: unknown = JSON.parse(line);
        if (rec && typeof rec === 'object') records.push(rec as Record<string, unknown>);
      } catch {
        // not a log record (e.g. usage text); it stays in stdout()
      }
    }
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolveExit({ code, signal });
    });
  });
  // The stdout 'data' for the last lines can arrive after 'exit'; 'close' means all output is in.
  const closed = new Promise<void>((r) => child.on('close', () => r()));

  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    logs: () => records,
    exited: exited.then(async (e) => {
      await closed;
      return e;
    }),
    waitForLog(pred, timeoutMs = 30_000) {
      return new Promise((resolveLog, reject) => {
        const check = () => {
          const hit = records.find(pred);
          if (hit) {
            finish();
            resolveLog(hit);
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching log line within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const onExit = () => {
          // Let any last output land before deciding the line never came.
          void closed.then(() => {
            check();
            if (listeners.has(check)) {
              finish();
              reject(new Error(`broker exited before the log line\nstdout:\n${out}\nstderr:\n${err}`));
            }
          });
        };
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.on('exit', onExit);
        check();
        if (child.exitCode !== null || child.signalCode !== null) onExit();
      });
    },
  };
}

export const LISTENING_MSG = 'embedded Kafka broker listening';

/** A wrapper for spawnBrokerProcess that runs the broker with `ulimit -n <n>` (soft and hard). */
export function ulimitWrapper(openFiles: number): string[] {
  return ['sh', '-c', `ulimit -n ${openFiles} && exec "$0" "$@"`];
}

export interface BrokerProcess extends CliProcess {
  host: string;
  port: number;
  brokers: string[];
  /** Sends `signal` and waits for the exit; SIGKILLs if it has not exited after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the broker CLI on `dataDir` and waits until it listens. `port` 0 (the default) lets the
 * OS choose; pass the port of an earlier run to restart "the same" broker.
 */
export async function spawnBrokerProcess(options: {
  dataDir: string;
  port?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** Command prefix that must exec the broker (so signals reach it), e.g. ulimitWrapper(256). */
  wrapper?: string[];
}): Promise<BrokerProcess> {
  const proc = spawnCli(
    ['--port', String(options.port ?? 0), '--data-dir', options.dataDir, ...(options.args ?? [])],
    options.env,
    options.wrapper,
  );
  let rec: Record<string, unknown>;
  try {
    rec = await proc.waitForLog((r) => r.msg === LISTENING_MSG, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    proc.child.kill('SIGKILL');
    throw err;
  }
  const port = Number(rec.port);
  const host = String(rec.host);
  return {
    ...proc,
    host,
    port,
    brokers: [`127.0.0.1:${port}`],
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill(signal);
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
      try {
        return await proc.exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
