import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FIELDS, ConfigError, DEFAULTS, loadConfig, type LoadConfigOptions } from '../../../src/config.js';
import { tempDir } from '../../helpers/temp.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** No files unless a test provides them, so the developer's own .env never leaks in. */
function load(opts: LoadConfigOptions = {}) {
  return loadConfig({ cwd: '/srv/app', ...opts, files: { configJson: null, dotenv: null, ...opts.files } });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('built-in defaults match the issue and config/default.json', () => {
  const c = load();
  assert.equal(c.kafka.brokers, 'embedded');
  assert.equal(c.kafka.topic, 'test-topic');
  assert.equal(c.kafka.groupId, 'web-demo-group');
  assert.equal(c.kafka.sessionTimeoutMs, 6000);
  assert.equal(c.kafka.heartbeatIntervalMs, 2000);
  assert.equal(c.http.port, 3000);
  assert.equal(c.messages.capacity, 100);
  assert.equal(c.messages.maxBytes, 1048576);
  assert.deepEqual(c.embedded, { host: '127.0.0.1', port: 9092, dataDir: '/srv/app/data/kafka', partitions: 3, thread: 'worker' });
  assert.equal(c.instance.id, undefined);
  assert.equal(c.log.level, 'info');
  assert.equal(c.nodeEnv, 'production');

  const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot, 'config', 'default.json'), 'utf8'));
  assert.deepEqual(shipped, JSON.parse(JSON.stringify(DEFAULTS)), 'config/default.json drifted from DEFAULTS');
});

test('precedence: flags > env > .env > config file > defaults', () => {
  const configJson = JSON.stringify({ kafka: { topic: 'from-file', groupId: 'g-file', clientId: 'c-file' }, http: { port: 4000 } });
  const dotenv = 'KAFKA_TOPIC=from-dotenv\nKAFKA_GROUP_ID=g-dotenv\nPORT=5000\n';
  const env = { KAFKA_TOPIC: 'from-env', PORT: '6000' };
  const argv = ['--topic', 'from-flag'];

  const c = load({ files: { configJson, dotenv }, env, argv });
  assert.equal(c.kafka.topic, 'from-flag');
  assert.equal(c.http.port, 6000);
  assert.equal(c.kafka.groupId, 'g-dotenv');
  assert.equal(c.kafka.clientId, 'c-file');
  assert.equal(c.messages.capacity, 100);

  assert.equal(load({ files: { configJson, dotenv }, env }).kafka.topic, 'from-env');
  assert.equal(load({ files: { configJson, dotenv } }).kafka.topic, 'from-dotenv');
  assert.equal(load({ files: { configJson } }).kafka.topic, 'from-file');
});

test('reads config/default.json and .env from cwd when no contents are given', () => {
  const dir = tempDir('cfg-');
  try {
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'default.json'), JSON.stringify({ messages: { capacity: 7 } }));
    fs.writeFileSync(path.join(dir, '.env'), 'KAFKA_GROUP_ID=from-dotenv-file\n');
    const c = loadConfig({ cwd: dir, env: {} });
    assert.equal(c.messages.capacity, 7);
    assert.equal(c.kafka.groupId, 'from-dotenv-file');
    assert.equal(c.embedded.dataDir, path.join(dir, 'data', 'kafka'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('flag spellings: --flag value, --flag=value, and ASP.NET style --urls', () => {
  const c = load({ argv: ['--port=6001', '--group-id', 'g2', '--brokers=a:9092,b:9093'] });
  assert.equal(c.http.port, 6001);
  assert.equal(c.kafka.groupId, 'g2');
  assert.deepEqual(c.kafka.brokers, ['a:9092', 'b:9093']);

  const u = load({ argv: ['--urls=http://localhost:6001'] });
  assert.equal(u.http.host, 'localhost');
  assert.equal(u.http.port, 6001);
  assert.equal(load({ argv: ['--urls', 'http://*:7000'] }).http.host, '0.0.0.0');
});

test('errors name the field and the source it came from', () => {
  assert.deepEqual(problemsOf(() => load({ env: { PORT: 'abc' } })), ['PORT (environment): must be an integer 0-65535']);
  assert.deepEqual(problemsOf(() => load({ env: { PORT: '70000' } })), ['PORT (environment): must be an integer 0-65535']);
  assert.deepEqual(problemsOf(() => load({ argv: ['--port', '-1'] })), ['--port (command line): must be an integer 0-65535']);
  assert.deepEqual(problemsOf(() => load({ files: { dotenv: 'MESSAGES_CAPACITY=0' } })), [
    'MESSAGES_CAPACITY (.env file): must be an integer 1-100000',
  ]);
  assert.deepEqual(problemsOf(() => load({ files: { configJson: '{"http":{"port":"x"}}' } })), [
    'http.port (config/default.json): must be an integer 0-65535',
  ]);
  assert.deepEqual(problemsOf(() => load({ argv: ['--topic', 'bad topic!'] })), [
    '--topic (command line): may only contain letters, digits, ".", "_" and "-"',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { KAFKA_BROKERS: 'nohostport' } })), [
    'KAFKA_BROKERS (environment): "nohostport" is not host:port (use "embedded" or "host:port,host:port")',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { LOG_LEVEL: 'loud' } })), [
    'LOG_LEVEL (environment): must be one of fatal, error, warn, info, debug, trace, silent',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { EMBEDDED_THREAD: 'fiber' } })), ['EMBEDDED_THREAD (environment): must be worker or inline']);
  assert.equal(load({ env: { EMBEDDED_THREAD: 'inline' } }).embedded.thread, 'inline');
});

test('several problems are reported together, and unknown settings/flags are refused', () => {
  const problems = problemsOf(() =>
    load({ env: { PORT: 'x', MESSAGES_CAPACITY: '-5' }, argv: ['--nope', '1'], files: { configJson: '{"http":{"prot":1}}' } }),
  );
  assert.ok(problems.includes('--nope (command line): unknown option'), problems.join('\n'));
  assert.ok(problems.includes('http.prot (config/default.json): unknown setting'), problems.join('\n'));
  assert.ok(problems.includes('PORT (environment): must be an integer 0-65535'), problems.join('\n'));
  assert.ok(problems.includes('MESSAGES_CAPACITY (environment): must be an integer 1-100000'), problems.join('\n'));
  assert.match(new ConfigError(problems).message, /^Invalid configuration:\n {2}/);
});

test('a flag without a value and malformed files are reported', () => {
  assert.deepEqual(problemsOf(() => load({ argv: ['--port'] })), ['--port (command line): needs a value']);
  assert.match(problemsOf(() => load({ files: { configJson: '{not json' } }))[0]!, /^config\/default\.json: not valid JSON/);
  assert.deepEqual(problemsOf(() => load({ argv: ['--urls=https://x:1'] })), ['--urls (command line): "https://x:1" is not an http://host:port URL']);
});

test('heartbeat must be below the session timeout (cross-field rule)', () => {
  assert.deepEqual(problemsOf(() => load({ env: { KAFKA_HEARTBEAT_INTERVAL_MS: '6000' } })), [
    'KAFKA_HEARTBEAT_INTERVAL_MS (environment): must be lower than kafka.sessionTimeoutMs (6000)',
  ]);
});

test('secrets come only from the environment or .env, never from the config file', () => {
  const c = load({ env: { SESSION_SECRET: 's'.repeat(32) }, files: { dotenv: `CSRF_SECRET=${'c'.repeat(32)}` } });
  assert.equal(c.secrets.session, 's'.repeat(32));
  assert.equal(c.secrets.csrf, 'c'.repeat(32));
  assert.deepEqual(problemsOf(() => load({ files: { configJson: '{"secrets":{"session":"abcdefabcdefabcdef"}}' } })), [
    'secrets.session (config/default.json): secrets and NODE_ENV may only come from the environment',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { CSRF_SECRET: 'short' } })), ['CSRF_SECRET (environment): must be at least 16 characters']);
  assert.deepEqual(problemsOf(() => load({ argv: ['--session-secret', 'x'.repeat(20)] })), ['--session-secret (command line): unknown option']);
});

test('empty environment values count as unset; INSTANCE_ID and NODE_ENV pass through', () => {
  const c = load({ env: { PORT: '', INSTANCE_ID: 'web-1', NODE_ENV: 'development' } });
  assert.equal(c.http.port, 3000);
  assert.equal(c.instance.id, 'web-1');
  assert.equal(c.nodeEnv, 'development');
});

test('every field of the table has an environment variable', () => {
  for (const f of CONFIG_FIELDS) assert.ok(f.env, `${f.path} has no env var`);
});

test('failure switch: defaults, environment, flags, and the stall default follows the session timeout', () => {
  const d = load();
  assert.deepEqual(d.failure, { mode: 'none', afterMessages: 5, stallMs: 6000 + 4000 });
  const e = load({ env: { FAILURE_MODE: 'stall', FAILURE_AFTER_MESSAGES: '3', KAFKA_SESSION_TIMEOUT_MS: '10000' } });
  assert.deepEqual(e.failure, { mode: 'stall', afterMessages: 3, stallMs: 14000 });
  assert.equal(load({ env: { FAILURE_STALL_MS: '1234' } }).failure.stallMs, 1234);
  const f = load({ argv: ['--failure-mode', 'no-commit-crash', '--failure-after=7'] });
  assert.deepEqual([f.failure.mode, f.failure.afterMessages], ['no-commit-crash', 7]);
  assert.equal(load({ files: { configJson: '{"failure":{"mode":"stall","stallMs":500}}' } }).failure.stallMs, 500);

  assert.deepEqual(problemsOf(() => load({ env: { FAILURE_MODE: 'explode' } })), [
    'FAILURE_MODE (environment): must be one of none, no-commit-crash, stall',
  ]);
  assert.deepEqual(problemsOf(() => load({ argv: ['--failure-after', '0'] })), ['--failure-after (command line): must be an integer 1-1000000']);
  assert.deepEqual(problemsOf(() => load({ argv: ['--failure-stall-ms', '5'] })), ['--failure-stall-ms (command line): unknown option']);
});

test('SASL and TLS: environment only, checked together, refused with the embedded broker', () => {
  const external = { KAFKA_BROKERS: 'kafka-1:9093' };
  const c = load({ env: { ...external, KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'app', KAFKA_SASL_PASSWORD: 'pw-from-env', KAFKA_SSL: 'true' } });
  assert.deepEqual(c.kafka.sasl, { mechanism: 'scram-sha-512', username: 'app', password: 'pw-from-env' });
  assert.deepEqual(c.kafka.ssl, { enabled: true, caFile: '', rejectUnauthorized: true });
  assert.equal(load({ files: { dotenv: 'KAFKA_BROKERS=k:9092\nKAFKA_SASL_MECHANISM=plain\nKAFKA_SASL_USERNAME=u\nKAFKA_SASL_PASSWORD=p\n' } }).kafka.sasl.mechanism, 'plain');

  const d = load();
  assert.deepEqual(d.kafka.sasl, { mechanism: 'none', username: '', password: '' });
  assert.deepEqual(d.kafka.ssl, { enabled: false, caFile: '', rejectUnauthorized: true });

  assert.deepEqual(problemsOf(() => load({ env: { ...external, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' } })), [
    'KAFKA_SASL_MECHANISM (environment): plain needs KAFKA_SASL_PASSWORD',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { ...external, KAFKA_SASL_MECHANISM: 'gssapi' } })), [
    'KAFKA_SASL_MECHANISM (environment): must be one of none, plain, scram-sha-256, scram-sha-512',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { ...external, KAFKA_SASL_USERNAME: 'u' } })), [
    'KAFKA_SASL_USERNAME (environment): is set but KAFKA_SASL_MECHANISM is none',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p', KAFKA_SSL: 'yes' } })), [
    'KAFKA_SASL_MECHANISM (environment): the embedded broker does not support SASL; set KAFKA_BROKERS to a cluster that does, or unset this',
    'KAFKA_SSL (environment): the embedded broker does not support TLS; set KAFKA_BROKERS to a cluster that does, or unset this',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: { ...external, KAFKA_SSL_CA_FILE: 'ca.pem' } })), ['KAFKA_SSL_CA_FILE (environment): only applies with KAFKA_SSL=true']);
  assert.deepEqual(problemsOf(() => load({ env: { ...external, KAFKA_SSL: 'maybe' } })), ['KAFKA_SSL (environment): must be true or false']);

  // Never from a committed file or the command line.
  assert.deepEqual(problemsOf(() => load({ env: external, files: { configJson: '{"kafka":{"sasl":{"password":"in-a-file"}}}' } })), [
    'kafka.sasl.password (config/default.json): may only come from the environment (KAFKA_SASL_PASSWORD)',
  ]);
  assert.deepEqual(problemsOf(() => load({ files: { configJson: '{"kafka":{"ssl":{"enabled":true}}}' } })), [
    'kafka.ssl.enabled (config/default.json): may only come from the environment (KAFKA_SSL)',
  ]);
  assert.deepEqual(problemsOf(() => load({ env: external, argv: ['--sasl-password', 'x'] })), ['--sasl-password (command line): unknown option']);
  // The password never appears in an error message.
  const problems = problemsOf(() => load({ env: { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2-secret' } }));
  assert.ok(!problems.join('\n').includes('hunter2-secret'));
});

test('KAFKA_SSL_CA_FILE is resolved against the working directory and must be readable', () => {
  const dir = tempDir('cfg-ca-');
  try {
    fs.writeFileSync(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const env = { KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' };
    const c = loadConfig({ cwd: dir, env: { ...env, KAFKA_SSL_CA_FILE: 'ca.pem' }, files: { configJson: null, dotenv: null } });
    assert.deepEqual(c.kafka.ssl, { enabled: true, caFile: path.join(dir, 'ca.pem'), rejectUnauthorized: false });
    assert.deepEqual(problemsOf(() => loadConfig({ cwd: dir, env: { ...env, KAFKA_SSL_CA_FILE: 'missing.pem' }, files: { configJson: null, dotenv: null } })), [
      `KAFKA_SSL_CA_FILE (environment): cannot read ${path.join(dir, 'missing.pem')} (ENOENT)`,
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('environment-only settings have no flag', () => {
  for (const f of CONFIG_FIELDS.filter((x) => x.envOnly)) assert.equal(f.flag, undefined, f.path);
  assert.deepEqual(
    CONFIG_FIELDS.filter((x) => x.envOnly).map((x) => x.env),
    ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SSL', 'KAFKA_SSL_CA_FILE', 'KAFKA_SSL_REJECT_UNAUTHORIZED', 'SESSION_SECRET', 'CSRF_SECRET', 'NODE_ENV'],
  );
});
