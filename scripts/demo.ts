/**
 * `npm run demo -- --instances 3`: the multi-instance demo in one terminal. Starts the standalone
 * embedded broker (src/broker/cli.ts) and N app instances (src/main.ts) in one consumer group,
 * prefixes their output, waits until each instance is ready and stops everything on Ctrl-C.
 *
 * Children run in their own process groups: a terminal Ctrl-C then reaches only this script,
 * which can stop the instances first (so they leave the group cleanly) and the broker last.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULTS, loadConfig, type AppConfig } from '../src/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'src', 'main.ts');
const BROKER_CLI = path.join(ROOT, 'src', 'broker', 'cli.ts');
// Resolved here so children find tsx even when the working directory is elsewhere.
const TSX = import.meta.resolve('tsx');

/** A child that does not exit this long after SIGTERM is killed; the app's own bound is 5 s. */
const STOP_GRACE_MS = 8000;

const USAGE = `Usage: npm run demo -- [options]
  --instances <n>          app instances to start (default 2, max 20)
  --base-port <n>          HTTP port of the first instance; the others follow (default 6001)
  --broker-port <n>        port of the standalone broker (default 9092)
  --data-dir <dir>         broker data directory (default ./data/kafka)
  --group-id <id>          consumer group shared by all instances (default: from the app config)
  --topic <name>           topic the instances consume (default: from the app config)
  --instance-env <p:K=V>   extra environment for the instance on port p (repeatable), e.g.
                           --instance-env 6002:FAILURE_MODE=no-commit-crash
  --ready-timeout <s>      how long to wait for /readyz of each instance (default 60)
  --raw                    pass the JSON log lines through unchanged
  -h, --help

While it runs, type a command and Enter:
  kill <port>      SIGKILL that instance (a crash: its partitions move after the session timeout)
  stop <port>      SIGTERM it (a clean stop: it leaves the group, partitions move at once)
  start <port>     start it again (also: restart <port>)
  status           list the processes
Ctrl-C (or SIGTERM) stops the instances, then the broker, and exits.`;

// ---- arguments ------------------------------------------------------------------------------

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function intArg(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) fail(`--${name}: expected an integer ${min}-${max}, got '${raw}'`);
  return n;
}

let values;
try {
  values = parseArgs({
    options: {
      instances: { type: 'string' },
      'base-port': { type: 'string' },
      'broker-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'group-id': { type: 'string' },
      topic: { type: 'string' },
      'instance-env': { type: 'string', multiple: true },
      'ready-timeout': { type: 'string' },
      raw: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const instanceCount = intArg('instances', values.instances, 2, 1, 20);
const basePort = intArg('base-port', values['base-port'], 6001, 1, 65535 - instanceCount + 1);
const brokerPort = intArg('broker-port', values['broker-port'], 9092, 1, 65535);
const readyTimeoutMs = intArg('ready-timeout', values['ready-timeout'], 60, 1, 3600) * 1000;
const ports = Array.from({ length: instanceCount }, (_, i) => basePort + i);
if (ports.includes(brokerPort)) fail(`--broker-port ${brokerPort} collides with the instance ports ${ports[0]}-${ports.at(-1)}`);
const dataDir = path.resolve(values['data-dir'] ?? DEFAULTS.embedded.dataDir);
const raw = values.raw ?? false;

const extraEnv = new Map<number, Record<string, string>>();
for (const spec of values['instance-env'] ?? []) {
  const m = /^(\d+):([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(spec);
  if (!m) fail(`--instance-env: expected <port>:<NAME>=<value>, got '${spec}'`);
  const port = Number(m[1]);
  if (!ports.includes(port)) fail(`--instance-env: ${port} is not one of the instance ports ${ports.join(', ')}`);
  extraEnv.set(port, { ...extraEnv.get(port), [m[2]!]: m[3]! });
}

/**
 * Group, topic and secrets as the instances themselves would see them (config file, .env,
 * environment), so the banner is truthful and secrets already set are not overridden.
 */
function appSettings(): Pick<AppConfig, 'kafka' | 'secrets'> | undefined {
  try {
    return loadConfig({ env: process.env, cwd: process.cwd() });
  } catch (err) {
    // The instances will print the same problems with their sources; no need to repeat them here.
    void err;
    return undefined;
  }
}
const settings = appSettings();
const groupId = values['group-id'] ?? settings?.kafka.groupId ?? DEFAULTS.kafka.groupId;
const topic = values.topic ?? settings?.kafka.topic ?? DEFAULTS.kafka.topic;

// Cookies are not separated by port, so a browser on localhost:6001 and :6002 shares them. With one
// secret per process every form post that lands on "the other" instance would fail its CSRF check.
const sharedSecrets: Record<string, string> = {};
if (!settings?.secrets.session && !process.env.SESSION_SECRET) sharedSecrets.SESSION_SECRET = randomBytes(24).toString('hex');
if (!settings?.secrets.csrf && !process.env.CSRF_SECRET) sharedSecrets.CSRF_SECRET = randomBytes(24).toString('hex');

// ---- output ---------------------------------------------------------------------------------

const COLOURS = [36, 33, 35, 32, 34, 91, 92, 93, 94, 95, 96];
const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;
const labelWidth = Math.max('broker'.length, 'demo'.length, ...ports.map((p) => String(p).length)) + 2;

function paint(text: string, code: number): string {
  return useColour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function prefix(label: string, colour: number): string {
  return paint(`[${label}]`.padEnd(labelWidth), colour);
}

function say(line: string): void {
  process.stdout.write(`${prefix('demo', 1)} ${line}\n`);
}

const LEVELS: Record<number, [string, number]> = {
  10: ['TRACE', 90],
  20: ['DEBUG', 90],
  30: ['INFO ', 32],
  40: ['WARN ', 33],
  50: ['ERROR', 31],
  60: ['FATAL', 31],
};
// `name` only repeats the prefix (the broker CLI logs name=broker).
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v', 'name']);

function renderValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') {
    const e = v as { type?: string; message: string };
    return JSON.stringify(e.type ? `${e.type}: ${e.message}` : e.message);
  }
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

/** One pino JSON line as `12:34:56 INFO  message key=value`; anything else unchanged. */
function pretty(line: string): string {
  if (raw || !line.startsWith('{')) return line;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof rec.level !== 'number') return line;
  const [name, colour] = LEVELS[rec.level] ?? [String(rec.level), 0];
  const time = typeof rec.time === 'number' ? new Date(rec.time).toTimeString().slice(0, 8) : '';
  const fields = Object.entries(rec)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${renderValue(v)}`)
    .join(' ');
  return `${time} ${paint(name, colour)} ${String(rec.msg ?? '')}${fields ? ` ${paint(fields, 90)}` : ''}`;
}

function pipeLines(stream: NodeJS.ReadableStream, label: string, colour: number, onLine?: (line: string) => void): void {
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => {
    onLine?.(line);
    process.stdout.write(`${prefix(label, colour)} ${pretty(line)}\n`);
  });
}

// ---- children -------------------------------------------------------------------------------

interface Child {
  label: string;
  colour: number;
  proc: ChildProcess;
  exited: Promise<void>;
  expectedExit: boolean;
  done: boolean;
}

const instances = new Map<number, Child>();
let broker: Child | undefined;
let stopping = false;

function spawnChild(label: string, colour: number, script: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Child {
  const proc = spawn(process.execPath, ['--import', TSX, script, ...args], {
    cwd: process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const child: Child = { label, colour, proc, exited: Promise.resolve(), expectedExit: false, done: false };
  pipeLines(proc.stdout!, label, colour, onLine);
  pipeLines(proc.stderr!, label, colour);
  child.exited = new Promise<void>((resolve) => {
    proc.on('error', (err) => {
      say(`could not start ${label}: ${err.message}`);
      child.done = true;
      resolve();
    });
    proc.on('exit', (code, signal) => {
      child.done = true;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (child.expectedExit || stopping) say(`${label} exited (${how})`);
      else onUnexpectedExit(child, how);
      resolve();
    });
  });
  say(`started ${label} (pid ${proc.pid})`);
  return child;
}

function onUnexpectedExit(child: Child, how: string): void {
  if (child === broker) {
    say(`the broker exited unexpectedly (${how}); the instances keep running and will reconnect when a broker is back on 127.0.0.1:${brokerPort}`);
  } else {
    say(`${child.label} exited unexpectedly (${how}); the other instances keep running. Type "start ${child.label}" to bring it back.`);
  }
  const alive = [broker, ...instances.values()].some((c) => c && !c.done);
  if (!alive) {
    say('every process has exited; stopping the demo');
    process.exit(1);
  }
}

function startBrokerProcess(): Promise<Child> {
  return new Promise((resolve, reject) => {
    let listening = false;
    const child: Child = spawnChild(
      'broker',
      COLOURS[0]!,
      BROKER_CLI,
      ['--port', String(brokerPort), '--data-dir', dataDir],
      { ...process.env },
      (line) => {
        if (!listening && line.includes('"embedded Kafka broker listening"')) {
          listening = true;
          child.expectedExit = false;
          resolve(child);
        }
      },
    );
    // A broker that cannot start is reported by main(), not as a crash of a running process.
    child.expectedExit = true;
    void child.exited.then(() => {
      if (!listening) reject(new Error('the broker exited before it was listening'));
    });
  });
}

function startInstance(port: number): Child {
  const index = ports.indexOf(port);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...sharedSecrets,
    PORT: String(port),
    KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
    KAFKA_GROUP_ID: groupId,
    KAFKA_TOPIC: topic,
    INSTANCE_ID: `localhost:${port}`,
    ...extraEnv.get(port),
  };
  const child = spawnChild(String(port), COLOURS[1 + (index % (COLOURS.length - 1))]!, MAIN, [], env);
  instances.set(port, child);
  return child;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitReady(port: number, child: Child): Promise<boolean> {
  const until = Date.now() + readyTimeoutMs;
  while (Date.now() < until && !child.done && !stopping) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function stopChild(child: Child | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.done) return;
  child.expectedExit = true;
  child.proc.kill(signal);
  const timer = setTimeout(() => {
    if (!child.done) {
      say(`${child.label} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      child.proc.kill('SIGKILL');
    }
  }, STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}

// ---- shutdown -------------------------------------------------------------------------------

let firstSignalAt = 0;

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    // One Ctrl-C can arrive more than once (the terminal, npm and tsx all pass it on), so only a
    // signal well after the first one means "stop waiting".
    if (Date.now() - firstSignalAt > 1000) {
      say(`${signal} again: killing everything now`);
      for (const c of [...instances.values(), broker]) if (c && !c.done) c.proc.kill('SIGKILL');
      process.exit(1);
    }
    return;
  }
  stopping = true;
  firstSignalAt = Date.now();
  say(`${signal}: stopping the instances, then the broker`);
  await Promise.all([...instances.values()].map((c) => stopChild(c)));
  await stopChild(broker);
  say('all stopped');
  process.exit(0);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
// Detached children would outlive an unexpected crash of this script.
process.on('exit', () => {
  for (const c of [...instances.values(), broker]) if (c && !c.done) c.proc.kill('SIGKILL');
});

// ---- interactive commands -------------------------------------------------------------------

function status(): void {
  for (const c of [broker, ...instances.values()]) {
    if (c) say(`  ${c.label.padEnd(8)} ${c.done ? 'exited' : `running (pid ${c.proc.pid})`}`);
  }
}

function command(line: string): void {
  const [verb = '', arg] = line.trim().split(/\s+/);
  if (verb === '') return;
  if (verb === 'status') return status();
  if (verb === 'help') return say(USAGE.slice(USAGE.indexOf('While it runs')).replace(/\n/g, '\n       '));
  const port = Number(arg);
  if (!['kill', 'stop', 'start', 'restart'].includes(verb) || !ports.includes(port)) {
    say(`unknown command "${line.trim()}"; try: kill <port>, stop <port>, start <port>, status (ports ${ports.join(', ')})`);
    return;
  }
  const child = instances.get(port);
  if (verb === 'kill' || verb === 'stop') {
    if (!child || child.done) return say(`${port} is not running`);
    say(`${verb === 'kill' ? 'SIGKILL' : 'SIGTERM'} -> ${port}`);
    void stopChild(child, verb === 'kill' ? 'SIGKILL' : 'SIGTERM');
    return;
  }
  void (async () => {
    if (child && !child.done) await stopChild(child);
    if (stopping) return;
    const fresh = startInstance(port);
    if (await waitReady(port, fresh)) say(`${port} is ready again: http://localhost:${port}`);
  })();
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const busy: number[] = [];
  for (const p of [brokerPort, ...ports]) if (!(await isPortFree(p))) busy.push(p);
  if (busy.length > 0) {
    process.stderr.write(
      `demo: port(s) ${busy.join(', ')} already in use on 127.0.0.1. Stop what uses them, or pick others with --broker-port / --base-port.\n`,
    );
    process.exit(1);
  }

  say(`broker 127.0.0.1:${brokerPort} (data ${dataDir}), ${instanceCount} instance(s), group "${groupId}", topic "${topic}"`);
  if (Object.keys(sharedSecrets).length > 0) say('SESSION_SECRET/CSRF_SECRET not set: using one random pair for all instances of this run');
  try {
    broker = await startBrokerProcess();
  } catch (err) {
    say(`${(err as Error).message}; see its output above`);
    process.exit(1);
  }
  if (stopping) return;

  const started = ports.map((p) => startInstance(p));
  const ready = await Promise.all(ports.map((p, i) => waitReady(p, started[i]!)));
  if (stopping) return;

  say('');
  ports.forEach((p, i) => say(`  http://localhost:${p}  ${ready[i] ? 'ready' : 'NOT READY (see its output)'}`));
  say(`  group view: http://localhost:${ports[0]}/cluster`);
  say('');
  say(`${ready.filter(Boolean).length}/${instanceCount} instances ready. Type "help" for commands; Ctrl-C stops everything.`);

  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on('line', command);
}

void main();
