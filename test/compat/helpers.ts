/**
 * Shared plumbing for the client-compatibility tests: an in-process broker on a free port, and a
 * child-process runner with a hard timeout so a client that hangs fails its test instead of
 * blocking CI.
 *
 * Set LOG_LEVEL=debug to see the broker's protocol log on stderr while a test runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Partitioners } from 'kafkajs';
import type { RunningBroker } from '../../src/broker/index.js';
import { startTestBroker } from '../helpers/broker.js';

export const COMPAT_DIR = dirname(fileURLToPath(import.meta.url));
export const PYTHON_DIR = join(COMPAT_DIR, 'python');

/**
 * Debian installs confluent-kafka and kafka-python for the system interpreter only; a pyenv or
 * venv `python3` earlier on PATH would not see them.
 */
export const PYTHON = process.env.COMPAT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
export const KCAT = process.env.COMPAT_KCAT ?? 'kcat';

export const PARTITIONS = 3;

export interface CompatBroker {
  broker: RunningBroker;
  /** "127.0.0.1:port" */
  address: string;
  close(): Promise<void>;
}

export async function startCompatBroker(): Promise<CompatBroker> {
  const level = process.env.LOG_LEVEL;
  const { broker, cleanup } = await startTestBroker({
    defaultPartitions: PARTITIONS,
    ...(level ? { logger: pino({ name: 'broker', level }, pino.destination(2)) } : {}),
  });
  return { broker, address: broker.address, close: cleanup };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs a command to completion (or SIGKILLs it after timeoutMs) and collects its output. */
export function run(
  command: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
    });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    // EPIPE if the child exits before reading its input; its exit status tells the real story.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Fails with the command's output attached, so a CI log shows what the client said. */
export function describeRun(what: string, r: RunResult): string {
  const status = r.timedOut ? 'timed out (killed)' : `exit ${r.code ?? r.signal}`;
  const tail = (s: string) => (s.length > 6000 ? `…${s.slice(-6000)}` : s);
  return `${what}: ${status}\n--- stdout ---\n${tail(r.stdout)}\n--- stderr ---\n${tail(r.stderr)}`;
}

export function assertOk(what: string, r: RunResult): void {
  if (r.timedOut || r.code !== 0) throw new Error(describeRun(what, r));
}

/** Partition the Java client (and kafkajs's DefaultPartitioner, murmur2) picks for a key. */
export function murmur2Partition(topic: string, key: string, partitions = PARTITIONS): number {
  const partitioner = Partitioners.DefaultPartitioner();
  return partitioner({
    topic,
    partitionMetadata: Array.from({ length: partitions }, (_, p) => ({
      partitionId: p,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
      offlineReplicas: [],
    })),
    message: { key, value: null },
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export interface Msg {
  key: string | null;
  value: string | null;
  partition?: number;
  offset?: number;
}

/** Messages as sorted "key=value" strings, for exact set comparison regardless of order. */
export function asSet(msgs: Msg[]): string[] {
  return msgs.map((m) => `${m.key}=${m.value}`).sort();
}
