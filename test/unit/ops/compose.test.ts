/**
 * No Docker engine runs where these tests run, so docker-compose.yml, the Dockerfile and
 * .dockerignore are checked statically: the compose file parses and wires Kafka, Kafbat UI and
 * two app instances consistently; every variable it gives the app is one the app's config reads
 * (and the resulting config loads); the Dockerfile is multi-stage, runs as a non-root user with
 * production dependencies only; the build context keeps local state out.
 * test/multi/dockerfile-runtime.test.ts runs the runtime stage's layout for real.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { CONFIG_FIELDS, loadConfig } from '../../../src/config.js';
import { parseDockerfile, type Stage } from './dockerfile.js';
import { tempDir } from '../../helpers/temp.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const composeText = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
// Merge keys (`<<: *app`) are how the two app services share their settings.
const compose = parseYaml(composeText, { merge: true }) as {
  services: Record<string, Service>;
};

interface Service {
  image?: string;
  build?: string | { context: string };
  hostname?: string;
  ports?: string[];
  environment?: Record<string, string | number | boolean>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const CONFIG_ENV = new Set(CONFIG_FIELDS.map((f) => f.env).filter((e): e is string => Boolean(e)));
const SECRET_ENV = CONFIG_FIELDS.filter((f) => f.secret).map((f) => f.env!);

/** `${NAME:-default}` as compose resolves it when NAME is unset on the host. */
function resolveDefaults(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name: string, def?: string) => def ?? '');
}

function stringEnv(env: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, resolveDefaults(String(v))]));
}

function csv(value: unknown): string[] {
  return String(value).split(',').map((s) => s.trim()).filter(Boolean);
}

/** `NAME://host:port` entries keyed by listener name. */
function listeners(value: unknown): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  for (const entry of csv(value)) {
    const m = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(entry);
    assert.ok(m, `listener "${entry}" is NAME://host:port`);
    out.set(m[1]!, { host: m[2]!, port: Number(m[3]) });
  }
  return out;
}

const appServices = () => Object.entries(compose.services).filter(([, s]) => s.build !== undefined);

test('compose: Kafka (KRaft single node), Kafbat UI and two app instances', () => {
  assert.deepEqual(Object.keys(compose.services).sort(), ['app1', 'app2', 'kafka', 'kafka-ui']);
  assert.deepEqual(appServices().map(([name]) => name).sort(), ['app1', 'app2']);
  assert.match(compose.services.kafka!.image ?? '', /^apache\/kafka:\d+\.\d+\.\d+$/, 'the official image, pinned');
  assert.match(compose.services['kafka-ui']!.image ?? '', /^ghcr\.io\/kafbat\/kafka-ui:v\d/, 'Kafbat UI, pinned');
});

test('compose: the Kafka listeners are consistent (internal, controller, external for the host)', () => {
  const kafka = compose.services.kafka!;
  const env = kafka.environment!;
  assert.deepEqual(csv(env.KAFKA_PROCESS_ROLES).sort(), ['broker', 'controller']);
  const nodeId = Number(env.KAFKA_NODE_ID);
  assert.ok(Number.isInteger(nodeId));

  const bound = listeners(env.KAFKA_LISTENERS);
  const advertised = listeners(env.KAFKA_ADVERTISED_LISTENERS);
  assert.equal(bound.get('PLAINTEXT')?.port, 9092);
  assert.equal(bound.get('CONTROLLER')?.port, 9093);
  const protocolMap = new Map(csv(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).map((p) => p.split(':') as [string, string]));
  for (const name of bound.keys()) assert.ok(protocolMap.has(name), `${name} has a security protocol`);

  // Containers on the compose network reach the broker by service name.
  assert.equal(kafka.hostname, 'kafka');
  assert.deepEqual(advertised.get('PLAINTEXT'), { host: 'kafka', port: 9092 });
  assert.equal(env.KAFKA_INTER_BROKER_LISTENER_NAME, 'PLAINTEXT');
  // The controller listener is for the quorum only: bound, never advertised to clients.
  assert.equal(env.KAFKA_CONTROLLER_LISTENER_NAMES, 'CONTROLLER');
  assert.ok(!advertised.has('CONTROLLER'));
  assert.equal(env.KAFKA_CONTROLLER_QUORUM_VOTERS, `${nodeId}@kafka:9093`);

  // Host tools use the EXTERNAL listener, advertised as localhost on a published port.
  const external = advertised.get('EXTERNAL');
  assert.deepEqual(external, { host: 'localhost', port: 29092 });
  assert.equal(bound.get('EXTERNAL')?.port, 29092);
  assert.ok(kafka.ports?.includes('29092:29092'), 'the external listener is published');

  assert.equal(Number(env.KAFKA_NUM_PARTITIONS), 3);
  assert.equal(String(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE), 'true');
  assert.equal(Number(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR), 1, 'a single node cannot hold 3 replicas');
  assert.equal(Number(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR), 1);
  assert.ok(kafka.healthcheck?.test.join(' ').includes('9092'));

  const ui = compose.services['kafka-ui']!.environment!;
  assert.equal(ui.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS, 'kafka:9092');
});

test('compose: the app instances share one group, publish their own PORT and wait for Kafka', () => {
  const apps = appServices();
  const groups = new Set(apps.map(([, s]) => s.environment!.KAFKA_GROUP_ID));
  assert.equal(groups.size, 1, 'one consumer group for all instances');
  assert.ok([...groups][0]);
  const ids = new Set(apps.map(([, s]) => s.environment!.INSTANCE_ID));
  assert.equal(ids.size, apps.length, 'instance ids differ');
  const secrets = new Set(apps.map(([, s]) => `${s.environment!.SESSION_SECRET}|${s.environment!.CSRF_SECRET}`));
  assert.equal(secrets.size, 1, 'instances share the cookie/CSRF secrets (a browser shares cookies across ports)');

  const published: number[] = [];
  for (const [name, s] of apps) {
    const env = s.environment!;
    assert.equal(env.KAFKA_BROKERS, 'kafka:9092', name);
    assert.equal(env.HOST, '0.0.0.0', `${name} listens on all interfaces inside its container`);
    assert.equal(s.ports?.length, 1, name);
    const [hostPort, containerPort] = s.ports![0]!.split(':').map(Number);
    assert.equal(containerPort, Number(env.PORT), `${name} publishes the port it listens on`);
    assert.equal(env.INSTANCE_ID, `localhost:${hostPort}`);
    published.push(hostPort!);
    assert.equal(s.depends_on?.kafka?.condition, 'service_healthy');
    assert.deepEqual(SECRET_ENV, ['SESSION_SECRET', 'CSRF_SECRET']);
    for (const secret of SECRET_ENV) {
      assert.match(String(env[secret]), new RegExp(`^\\$\\{${secret}:-[^}]{16,}\\}$`), `${secret} comes from the host, with a placeholder`);
    }
  }
  assert.deepEqual(published.sort(), [6001, 6002]);
});

test('compose: every variable set for the app is a setting the app reads, and the result loads', () => {
  const cwd = tempDir('kwd-compose-');
  try {
    for (const [name, s] of appServices()) {
      const env = stringEnv(s.environment!);
      for (const key of Object.keys(env)) {
        assert.ok(CONFIG_ENV.has(key) || SECRET_ENV.includes(key), `${name}: ${key} is not a setting of the app`);
      }
      const config = loadConfig({ env, cwd, files: { configJson: null, dotenv: null } });
      assert.deepEqual(config.kafka.brokers, ['kafka:9092']);
      assert.equal(config.kafka.groupId, env.KAFKA_GROUP_ID);
      assert.equal(config.kafka.topic, env.KAFKA_TOPIC);
      assert.equal(config.http.host, '0.0.0.0');
      assert.equal(config.http.port, Number(env.PORT));
      assert.equal(config.instance.id, env.INSTANCE_ID);
      // The secrets are read too (and the placeholders are long enough to be accepted).
      assert.equal(config.secrets.session, env.SESSION_SECRET);
      assert.equal(config.secrets.csrf, env.CSRF_SECRET);
    }
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

test('compose: the commented SASL/TLS example names real settings and loads once filled in', () => {
  // The lines look like `  # KAFKA_SASL_MECHANISM: scram-sha-512   # comment` inside the
  // shared app environment block.
  const block = composeText.slice(composeText.indexOf('x-app-environment:'), composeText.indexOf('x-app:'));
  const example: Record<string, string> = {};
  for (const m of block.matchAll(/^[ \t]*#[ \t]*([A-Z][A-Z0-9_]+):[ \t]*(.+?)[ \t]*(?:#.*)?$/gm)) {
    example[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  const names = Object.keys(example).sort();
  assert.deepEqual(names, [
    'KAFKA_BROKERS',
    'KAFKA_SASL_MECHANISM',
    'KAFKA_SASL_PASSWORD',
    'KAFKA_SASL_USERNAME',
    'KAFKA_SSL',
    'KAFKA_SSL_CA_FILE',
    'KAFKA_SSL_REJECT_UNAUTHORIZED',
  ]);
  for (const n of names) assert.ok(CONFIG_ENV.has(n), `${n} is a setting of the app`);

  const cwd = tempDir('kwd-compose-');
  try {
    const ca = path.join(cwd, 'kafka-ca.pem');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    const base = stringEnv(compose.services.app1!.environment!);
    const env = {
      ...base,
      ...example,
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SASL_USERNAME: 'demo-user',
      KAFKA_SASL_PASSWORD: 'demo-password',
    };
    const config = loadConfig({ env, cwd, files: { configJson: null, dotenv: null } }) as unknown as {
      kafka: { brokers: string[]; sasl: { mechanism: string; username: string }; ssl: { enabled: boolean; caFile: string; rejectUnauthorized: boolean } };
    };
    assert.equal(config.kafka.brokers.length, 2);
    assert.equal(config.kafka.sasl.mechanism, example.KAFKA_SASL_MECHANISM);
    assert.equal(config.kafka.sasl.username, 'demo-user');
    assert.equal(config.kafka.ssl.enabled, true);
    assert.equal(config.kafka.ssl.rejectUnauthorized, true);
    // The credentials in the example are references to the host environment, not values.
    assert.equal(example.KAFKA_SASL_USERNAME, '${KAFKA_SASL_USERNAME}');
    assert.equal(example.KAFKA_SASL_PASSWORD, '${KAFKA_SASL_PASSWORD}');
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
});

const dockerfile = parseDockerfile(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const build = dockerfile.find((s) => s.name === 'build');
const args = (stage: Stage, instr: string) => stage.instructions.filter((i) => i.instr === instr).map((i) => i.args);

test('Dockerfile: multi-stage, node 20 slim, build with dev deps, run with production deps only', () => {
  assert.ok(dockerfile.length >= 2, 'at least two stages');
  for (const stage of dockerfile) assert.equal(stage.from, 'node:20-bookworm-slim');
  assert.ok(build, 'a stage named "build"');
  assert.notEqual(runtime, build);
  const buildRuns = args(build, 'RUN').join('\n');
  assert.match(buildRuns, /npm ci(?!.*--omit=dev)/);
  assert.match(buildRuns, /npm run build/);

  const runs = args(runtime, 'RUN').join('\n');
  assert.match(runs, /npm ci [^\n]*--omit=dev/);
  assert.doesNotMatch(runs, /npm (ci|install)(?![^\n]*--omit=dev)/, 'no full install in the runtime stage');
  const copies = args(runtime, 'COPY');
  assert.ok(copies.some((c) => /^--from=build \/app\/dist \.\/dist$/.test(c)), 'dist comes from the build stage');
  for (const dir of ['views', 'public', 'config']) {
    assert.ok(copies.includes(`${dir} ./${dir}`), `${dir}/ is copied`);
  }
  assert.ok(!copies.some((c) => /(^|\s)src(\s|$)/.test(c)), 'no TypeScript sources in the runtime image');
});

test('Dockerfile: non-root user, exposed port, health check on /healthz, node as the command', () => {
  const users = args(runtime, 'USER');
  assert.equal(users.length, 1);
  assert.doesNotMatch(users[0]!, /^(root|0)(:|$)/);
  assert.equal(users[0], 'node');
  // USER must come before CMD, or the process would still run as root.
  const order = runtime.instructions.map((i) => i.instr);
  assert.ok(order.indexOf('USER') < order.indexOf('CMD'));
  assert.deepEqual(args(runtime, 'EXPOSE'), ['3000']);
  const env = args(runtime, 'ENV').join(' ');
  assert.match(env, /HOST=0\.0\.0\.0/);
  assert.match(env, /NODE_ENV=production/);
  const health = args(runtime, 'HEALTHCHECK').join('\n');
  assert.match(health, /CMD \[/);
  assert.match(health, /\/healthz/);
  // What `npm start` runs, flags included, but as node itself so SIGTERM reaches the app.
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  assert.deepEqual(JSON.parse(args(runtime, 'CMD')[0]!), start.split(/\s+/));
  assert.equal(start.split(/\s+/).at(-1), 'dist/main.js');
});

test('.dockerignore keeps local state and secrets out of the build context, but not what is copied', () => {
  const patterns = fs
    .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const toRegex = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
  const ignored = (file: string) => {
    let out = false;
    for (const p of patterns) {
      if (p.startsWith('!')) {
        if (toRegex(p.slice(1)).test(file)) out = false;
      } else if (toRegex(p).test(file)) out = true;
    }
    return out;
  };
  for (const f of ['node_modules', 'node_modules/kafkajs/package.json', 'data', 'data/kafka/x.log', 'test-artifacts', '.env', 'dist', '.git']) {
    assert.ok(ignored(f), `${f} is excluded`);
  }
  const sources = dockerfile
    .flatMap((s) => s.instructions)
    .filter((i) => i.instr === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  assert.ok(sources.length >= 6);
  for (const src of sources) assert.ok(!ignored(src.replace(/^\.\//, '')), `${src} is in the build context`);
});
