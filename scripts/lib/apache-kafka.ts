/**
 * Real Apache Kafka without Docker: resolves the broker's jars from Maven Central
 * (tools/kafka/pom.xml -> .cache/kafka/<version>/libs), formats KRaft storage and runs 1 or 3
 * combined broker+controller JVMs on loopback. One implementation for `npm run kafka`
 * (scripts/kafka.ts) and for the tests (test/helpers/apache-kafka.ts, the 3-broker failover test).
 *
 *   const kafka = await startApacheKafka({ nodes: 3 });
 *   kafka.bootstrap;                 // "127.0.0.1:41001,127.0.0.1:41002,127.0.0.1:41003"
 *   await kafka.nodes[1].kill('SIGKILL'); await kafka.nodes[1].restart();
 *   await kafka.stop();
 *
 * Every wait is bounded; a node that does not come up fails the start with the tail of its own log.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './ports.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const POM = path.join(ROOT, 'tools', 'kafka', 'pom.xml');
/** The version docker-compose.yml pins. */
export const DEFAULT_KAFKA_VERSION = '3.9.1';
/** Per broker JVM: three brokers, the app instances and the tests fit on the 2-core, 24 GB CI box. */
export const DEFAULT_HEAP_MB = 512;
const HOST = '127.0.0.1';

/**
 * Broker settings shared by every node of `npm run kafka` and by docker-compose.yml's kafka
 * service (test/unit/ops/kafka-settings.test.ts keeps the two in step). Everything not listed is
 * Kafka's default: session timeouts (min 6 s), the 3 s initial rebalance delay, retention.
 */
export function sharedBrokerSettings(nodes: number): Record<string, string> {
  const rf = String(Math.min(nodes, 3));
  return {
    'process.roles': 'broker,controller',
    // The app's topic is auto-created on first use; 3 partitions so several instances share it
    // (Kafka's default of 1 would give all the work to one instance).
    'num.partitions': '3',
    'auto.create.topics.enable': 'true',
    // Internal topics must fit the cluster: Kafka's default of 3 replicas cannot be met by one node.
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': nodes >= 3 ? '2' : '1',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
  };
}

export class MissingToolError extends Error {}

/** Throws a one-line MissingToolError naming the Debian package when java or mvn is absent. */
export function checkTools(version = DEFAULT_KAFKA_VERSION): void {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error) throw new MissingToolError('java not found on PATH; install a JDK 17: apt-get install openjdk-17-jdk-headless');
  const major = Number(/version "(\d+)/.exec(`${java.stderr}${java.stdout}`)?.[1] ?? 0);
  if (majorOf(version) >= 4 && major > 0 && major < 17) {
    throw new MissingToolError(`Kafka ${version} needs Java 17 or later, java on PATH is ${major}; install: apt-get install openjdk-17-jdk-headless`);
  }
  const mvn = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (mvn.error) throw new MissingToolError('mvn not found on PATH; install Maven: apt-get install maven');
}

function majorOf(version: string): number {
  return Number(version.split('.')[0]);
}

export function libsDir(version: string): string {
  return path.join(ROOT, '.cache', 'kafka', version, 'libs');
}

/**
 * The jars of Kafka `version`, resolved once per pom.xml content (Maven's ~/.m2 makes a repeat
 * resolution take seconds). Returns the libs directory.
 */
export function ensureKafkaJars(version = DEFAULT_KAFKA_VERSION, timeoutMs = 600_000): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a Kafka release version: ${version}`);
  const libs = libsDir(version);
  const marker = path.join(libs, '..', 'resolved');
  const stamp = createHash('sha256').update(fs.readFileSync(POM)).digest('hex');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === stamp && fs.existsSync(path.join(libs, `kafka_2.13-${version}.jar`))) return libs;
  const args = ['-q', '-B', '-f', POM, `-Dkafka.version=${version}`, ...(majorOf(version) >= 4 ? ['-Pkafka4'] : []), 'dependency:copy-dependencies'];
  const res = spawnSync('mvn', args, { encoding: 'utf8', timeout: timeoutMs });
  if (res.error || res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`resolving Kafka ${version} with Maven failed (mvn ${args.join(' ')}): ${res.error?.message ?? `exit ${res.status}`}\n${out}`);
  }
  fs.writeFileSync(marker, stamp);
  return libs;
}


/**
 * Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding; like Kafka's own
 * Uuid.randomUuid(), never one starting with "-", which the command-line tools read as an option.
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function writeProperties(file: string, props: Record<string, string>): void {
  fs.writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}

/** Kafka 3 logs through reload4j (log4j 1 syntax), Kafka 4 through log4j 2. Quiet console, all to a file. */
function writeLogConfig(dir: string, version: string): string[] {
  const logFile = path.join(dir, 'server.log');
  if (majorOf(version) >= 4) {
    const file = path.join(dir, 'log4j2.properties');
    fs.writeFileSync(
      file,
      [
        'status = warn',
        'appender.file.type = File',
        'appender.file.name = FILE',
        `appender.file.fileName = ${logFile}`,
        'appender.file.layout.type = PatternLayout',
        'appender.file.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.file.ref = FILE',
        'logger.statechange.name = state.change.logger',
        'logger.statechange.level = WARN',
        '',
      ].join('\n'),
    );
    return [`-Dlog4j2.configurationFile=${file}`];
  }
  const file = path.join(dir, 'log4j.properties');
  fs.writeFileSync(
    file,
    [
      'log4j.rootLogger=INFO, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${logFile}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.state.change.logger=WARN',
      '',
    ].join('\n'),
  );
  return [`-Dlog4j.configuration=file:${file}`];
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * The first ERROR/FATAL records of a Kafka log with their first stack lines: a failed start logs
 * its cause early and then pages of orderly shutdown, which a plain tail would show instead.
 */
function errorLines(file: string, max = 6): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < max * 4; i++) {
    if (!/^\[[^\]]+\] (ERROR|FATAL) /.test(lines[i]!)) continue;
    out.push(lines[i]!);
    for (let j = i + 1; j < Math.min(lines.length, i + 4) && !lines[j]!.startsWith('['); j++) out.push(lines[j]!);
  }
  return out.join('\n');
}

export interface StartApacheKafkaOptions {
  /** 1 (default) or 3 combined broker+controller nodes. */
  nodes?: number;
  version?: string;
  /** Where storage, configs and logs go; reused (not re-formatted) when it holds an earlier run. Default: a temp dir removed by stop(). */
  dataDir?: string;
  /** Port of the first broker; the others follow (P, P+1, P+2). Default: free ports. */
  port?: number;
  heapMb?: number;
  /** Bound for the whole start (format, JVM start-up, cluster formed). */
  startTimeoutMs?: number;
  /** Extra broker properties for every node (tests say why when they use this). */
  properties?: Record<string, string>;
  /** Progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
}

export interface KafkaNode {
  id: number;
  port: number;
  controllerPort: number;
  address: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends `signal` (default SIGTERM) and waits for the JVM to exit (SIGKILL after 60 s). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the node again on the same ports and storage; resolves once the cluster lists it again. */
  restart(): Promise<void>;
  /** Last lines of this node's Kafka log and JVM output. */
  logTail(lines?: number): string;
}

export interface ApacheKafka {
  version: string;
  bootstrap: string;
  brokers: string[];
  nodes: KafkaNode[];
  dataDir: string;
  /** Node id of the active KRaft controller (the quorum leader), from Kafka's own kafka-metadata-quorum tool. */
  quorumLeader(): Promise<number>;
  /** SIGTERM every node, wait (bounded), remove the data dir if it was a temp dir. */
  stop(): Promise<void>;
}

interface NodeState {
  id: number;
  port: number;
  controllerPort: number;
  dir: string;
  config: string;
  jvmArgs: string[];
  child?: ChildProcess;
  exited?: Promise<void>;
}

/** A bare kafkajs admin that gives up quickly; only used to see whether the cluster answers. */
function probeAdmin(brokers: string[]) {
  return new Kafka({
    clientId: 'apache-kafka-launcher',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  }).admin();
}

/** True once `brokers` answer Metadata listing every id in `ids` and an active controller. */
async function clusterAnswers(brokers: string[], ids: number[]): Promise<boolean> {
  const admin = probeAdmin(brokers);
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    const listed = new Set(c.brokers.map((b) => b.nodeId));
    return c.controller !== null && c.controller >= 0 && ids.every((id) => listed.has(id));
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startApacheKafka(options: StartApacheKafkaOptions = {}): Promise<ApacheKafka> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const count = options.nodes ?? 1;
  if (count !== 1 && count !== 3) throw new Error(`nodes must be 1 or 3, got ${count}`);
  const heapMb = options.heapMb ?? DEFAULT_HEAP_MB;
  const startTimeoutMs = options.startTimeoutMs ?? 180_000;
  const log = options.log ?? (() => undefined);
  checkTools(version);
  log(`resolving Kafka ${version} jars (Maven)`);
  const libs = ensureKafkaJars(version);
  const classpath = `${libs}/*`;

  const ownDir = options.dataDir === undefined;
  const dataDir = path.resolve(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'apache-kafka-')));
  fs.mkdirSync(dataDir, { recursive: true });

  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(options.port !== undefined ? options.port + i : await freePort());
  const controllerPorts: number[] = [];
  for (let i = 0; i < count; i++) controllerPorts.push(await freePort());
  const voters = controllerPorts.map((p, i) => `${i + 1}@${HOST}:${p}`).join(',');

  // A data dir holds one cluster: its voters were formatted for a fixed number of nodes.
  const layoutFile = path.join(dataDir, 'nodes');
  if (fs.existsSync(layoutFile) && Number(fs.readFileSync(layoutFile, 'utf8')) !== count) {
    throw new Error(`${dataDir} holds a ${fs.readFileSync(layoutFile, 'utf8').trim()}-node cluster; use another --data-dir for ${count} node(s)`);
  }
  fs.writeFileSync(layoutFile, String(count));
  // Reuse the cluster id of an earlier run on the same data dir, so its storage stays valid.
  const idFile = path.join(dataDir, 'cluster-id');
  const id = fs.existsSync(idFile) ? fs.readFileSync(idFile, 'utf8').trim() : clusterId();
  fs.writeFileSync(idFile, id);

  const states: NodeState[] = ports.map((port, i) => {
    const nodeId = i + 1;
    const dir = path.join(dataDir, `node-${nodeId}`);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    const config = path.join(dir, 'server.properties');
    writeProperties(config, {
      ...sharedBrokerSettings(count),
      'node.id': String(nodeId),
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${controllerPorts[i]}`,
      'advertised.listeners': `PLAINTEXT://${HOST}:${port}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': path.join(dir, 'data'),
      ...options.properties,
    });
    const jvmArgs = [
      `-Xmx${heapMb}m`,
      `-Xms${Math.min(heapMb, 256)}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${dir}`,
      ...writeLogConfig(dir, version),
    ];
    return { id: nodeId, port, controllerPort: controllerPorts[i]!, dir, config, jvmArgs };
  });

  const formatted = (s: NodeState) => fs.existsSync(path.join(s.dir, 'data', 'meta.properties'));
  const toFormat = states.filter((s) => !formatted(s));
  if (toFormat.length > 0) log(`formatting KRaft storage of node(s) ${toFormat.map((s) => s.id).join(', ')} (cluster id ${id})`);
  const formatAll = Promise.all(
    toFormat.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          const out = fs.openSync(path.join(s.dir, 'format.log'), 'w');
          const child = spawn('java', ['-Xmx256m', ...s.jvmArgs.filter((a) => a.startsWith('-D')), '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', s.config, '--ignore-formatted'], {
            stdio: ['ignore', out, out],
          });
          const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
          child.on('exit', (code, signal) => {
            clearTimeout(timer);
            fs.closeSync(out);
            if (code === 0) resolve();
            else reject(new Error(`formatting node ${s.id} failed (${signal ?? `exit ${code}`}):\n${tail(path.join(s.dir, 'format.log'), 30)}`));
          });
          child.on('error', reject);
        }),
    ),
  );
  try {
    await formatAll;
  } catch (err) {
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const spawnNode = (s: NodeState) => {
    const out = fs.openSync(path.join(s.dir, 'stdout.log'), 'a');
    const child = spawn('java', [...s.jvmArgs, '-cp', classpath, 'kafka.Kafka', s.config], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    running.add(child);
    s.child = child;
    s.exited = new Promise<void>((r) =>
      child.on('exit', () => {
        running.delete(child);
        r();
      }),
    );
  };
  const alive = (s: NodeState) => s.child !== undefined && s.child.exitCode === null && s.child.signalCode === null;
  const logTail = (s: NodeState, lines = 25) => {
    const errors = errorLines(path.join(s.dir, 'server.log'));
    return (
      (errors ? `--- node ${s.id} server.log (errors) ---\n${errors}\n` : '') +
      `--- node ${s.id} server.log (tail) ---\n${tail(path.join(s.dir, 'server.log'), lines)}\n--- node ${s.id} JVM output (tail) ---\n${tail(path.join(s.dir, 'stdout.log'), 15)}`
    );
  };
  const brokers = states.map((s) => `${HOST}:${s.port}`);

  /** Waits until `ids` are listed by the cluster, failing early if one of `watch` exits. */
  const waitUntilListed = async (ids: number[], watch: NodeState[], timeoutMs: number) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const dead = watch.find((s) => !alive(s));
      if (dead) throw new Error(`Kafka node ${dead.id} exited during start-up (code ${dead.child?.exitCode}, signal ${dead.child?.signalCode})\n${logTail(dead)}`);
      const targets = watch.map((s) => `${HOST}:${s.port}`);
      if (await clusterAnswers(targets, ids)) return;
      await sleep(500);
    }
    throw new Error(`Kafka ${version} did not answer within ${timeoutMs} ms\n${watch.map((s) => logTail(s)).join('\n')}`);
  };

  const stopNode = async (s: NodeState, signal: NodeJS.Signals) => {
    if (!alive(s)) return;
    s.child!.kill(signal);
    const timer = setTimeout(() => s.child?.kill('SIGKILL'), 60_000);
    await s.exited;
    clearTimeout(timer);
  };

  log(`starting ${count} Kafka ${version} node(s) on ${brokers.join(', ')} (heap ${heapMb} MB each, data ${dataDir})`);
  const startedAt = Date.now();
  states.forEach(spawnNode);
  try {
    await waitUntilListed(states.map((s) => s.id), states, startTimeoutMs);
  } catch (err) {
    await Promise.all(states.map((s) => stopNode(s, 'SIGKILL')));
    if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  log(`Kafka answered after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);

  const nodes: KafkaNode[] = states.map((s) => ({
    id: s.id,
    port: s.port,
    controllerPort: s.controllerPort,
    address: `${HOST}:${s.port}`,
    get pid() {
      return alive(s) ? s.child!.pid : undefined;
    },
    get running() {
      return alive(s);
    },
    kill: (signal: NodeJS.Signals = 'SIGTERM') => stopNode(s, signal),
    async restart() {
      if (alive(s)) await stopNode(s, 'SIGTERM');
      spawnNode(s);
      // The restarted node must answer on its own port and be listed by the cluster again.
      await waitUntilListed([s.id], [s], startTimeoutMs);
    },
    logTail: (lines?: number) => logTail(s, lines),
  }));

  let stopped = false;
  return {
    version,
    bootstrap: brokers.join(','),
    brokers,
    nodes,
    dataDir,
    async quorumLeader() {
      const live = states.filter(alive).map((s) => `${HOST}:${s.port}`);
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('java', ['-Xmx128m', '-cp', classpath, 'org.apache.kafka.tools.MetadataQuorumCommand', '--bootstrap-server', live.join(','), 'describe', '--status'], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        child.stdout!.setEncoding('utf8').on('data', (c: string) => (text += c));
        child.stderr!.setEncoding('utf8').on('data', (c: string) => (text += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(text);
          else reject(new Error(`kafka-metadata-quorum failed (exit ${code}): ${text.trim().split('\n').slice(-5).join(' | ')}`));
        });
      });
      const m = /LeaderId:\s*(\d+)/.exec(out);
      if (!m) throw new Error(`no LeaderId in kafka-metadata-quorum output: ${out}`);
      return Number(m[1]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(states.map((s) => stopNode(s, 'SIGTERM')));
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

// A test process that dies (or a launcher that is killed) must not leave JVMs behind.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});
