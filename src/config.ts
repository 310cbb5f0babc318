import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { TOPIC_ISSUE_TEXT, topicNameIssue } from './messages/topic-name.js';
import type { SecuritySettings } from './kafka/gateway/index.js';
import { LOG_FORMATS } from './logger.js';

/**
 * Settings come from four layers, later ones winning: built-in defaults, config/default.json,
 * .env, the process environment, command-line flags. Every leaf remembers which layer and
 * which name (env var, flag, JSON path) supplied it, so a validation error can tell the
 * operator exactly what to fix.
 *
 * Each setting is declared once, in SETTINGS below: its schema, default, env var, flag and
 * description. The zod schema, DEFAULTS (what config/default.json ships), the env/flag lookups,
 * `--help` and README's settings table are all derived from it.
 */

export type SourceKind = 'default' | 'file' | 'dotenv' | 'env' | 'flag';

interface Origin {
  kind: SourceKind;
  /** The spelling the operator used: `PORT`, `--port`, `http.port`. */
  name: string;
  /** Human label for the layer, e.g. `environment`. */
  label: string;
}

interface Setting<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** Absent for a setting whose schema is optional; `shownDefault` then says what applies. */
  readonly default?: z.output<S>;
  readonly env?: string;
  readonly flag?: string;
  /** Markdown, one line: README's "meaning" column and (without backticks) `--help`. */
  readonly description: string;
  /**
   * Read from the environment (or .env) only: connection credentials and TLS material belong to
   * the deployment, not to a committed file or to argv (visible in `ps`).
   */
  readonly envOnly?: true;
  /** Never printed or logged, and no default (random per process, see web/secrets.ts). */
  readonly secret?: true;
  /** The default as README shows it, where the raw value would not say what applies. */
  readonly shownDefault?: string;
}

/** Keeps each entry's literal type (its `envOnly`, whether it has a default) for DEFAULTS' type. */
function setting<S extends z.ZodType, const X extends Omit<Setting<S>, 'schema'>>(schema: S, spec: X): X & { schema: S } {
  return { ...spec, schema };
}

export const FAILURE_MODES = ['none', 'no-commit-crash', 'stall'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];
export const SASL_MECHANISMS = ['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Added to the session timeout for the default stall, so the broker surely expels the member. */
export const STALL_MARGIN_MS = 4000;

const asNumber = (v: unknown): unknown =>
  typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;

function int(min: number, max: number) {
  const msg = `must be an integer ${min}-${max}`;
  return z.preprocess(
    asNumber,
    z.number({ error: msg }).int({ error: msg }).min(min, { error: msg }).max(max, { error: msg }),
  );
}

function bool() {
  const msg = 'must be true or false';
  return z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    return v;
  }, z.boolean({ error: msg }));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

function text() {
  return z.string({ error: 'must be a string' });
}

function nonEmpty(what = 'must not be empty') {
  return text().trim().min(1, { error: what });
}

const hostPort = /^(\[[0-9a-fA-F:]+\]|[^\s:,]+):(\d{1,5})$/;

const brokersSchema = nonEmpty().transform((raw, ctx): 'embedded' | string[] => {
  if (raw.toLowerCase() === 'embedded') return 'embedded';
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of list) {
    const m = hostPort.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (use "embedded" or "host:port,host:port")` });
      return z.NEVER;
    }
  }
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must be "embedded" or a list of host:port' });
    return z.NEVER;
  }
  return list;
});

const topicSchema = nonEmpty('is required').superRefine((name, ctx) => {
  const issue = topicNameIssue(name);
  if (issue) ctx.addIssue({ code: 'custom', message: TOPIC_ISSUE_TEXT[issue] });
});

const secretSchema = () => text().min(16, { error: 'must be at least 16 characters' }).optional();

/** The settings table, in README order. */
export const SETTINGS = {
  kafka: {
    brokers: setting(brokersSchema, { default: 'embedded', env: 'KAFKA_BROKERS', flag: 'brokers', description: '`embedded` (host the broker in-process, or join the instance that does and take it over if it goes) or `host:port,host:port`' }),
    topic: setting(topicSchema, { default: 'test-topic', env: 'KAFKA_TOPIC', flag: 'topic', description: 'topic the consumer reads and the form suggests' }),
    groupId: setting(nonEmpty(), { default: 'web-demo-group', env: 'KAFKA_GROUP_ID', flag: 'group-id', description: 'consumer group id' }),
    clientId: setting(nonEmpty().regex(/^[\w.-]+$/, { error: 'may only contain letters, digits, ".", "_" and "-"' }), { default: 'kafka-web-demo', env: 'KAFKA_CLIENT_ID', flag: 'client-id', description: 'Kafka client id' }),
    sessionTimeoutMs: setting(int(1000, 1_800_000), { default: 6000, env: 'KAFKA_SESSION_TIMEOUT_MS', description: 'consumer session timeout' }),
    heartbeatIntervalMs: setting(int(100, 600_000), { default: 2000, env: 'KAFKA_HEARTBEAT_INTERVAL_MS', description: 'heartbeat interval (below the session timeout)' }),
    connectionTimeoutMs: setting(int(100, 120_000), { default: 3000, env: 'KAFKA_CONNECTION_TIMEOUT_MS', description: 'TCP connect timeout to a broker' }),
    requestTimeoutMs: setting(int(100, 300_000), { default: 5000, env: 'KAFKA_REQUEST_TIMEOUT_MS', description: 'timeout of one Kafka request' }),
    sendTimeoutMs: setting(int(500, 300_000), { default: 5000, env: 'KAFKA_SEND_TIMEOUT_MS', description: 'upper bound for one produce, retries included (then 503)' }),
    idempotence: setting(z.enum(['auto', 'off'], { error: 'must be "auto" or "off"' }), { default: 'auto', env: 'KAFKA_IDEMPOTENCE', description: '`auto` (idempotent if the broker supports it) or `off`' }),
    sasl: {
      mechanism: setting(
        z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), oneOf(SASL_MECHANISMS)),
        { default: 'none', env: 'KAFKA_SASL_MECHANISM', envOnly: true, description: '`none`, `plain`, `scram-sha-256`, `scram-sha-512`; external brokers only' },
      ),
      username: setting(text(), { default: '', shownDefault: 'empty', env: 'KAFKA_SASL_USERNAME', envOnly: true, description: 'SASL user name' }),
      password: setting(text(), { default: '', shownDefault: 'empty', env: 'KAFKA_SASL_PASSWORD', envOnly: true, description: 'SASL password; never logged' }),
    },
    ssl: {
      enabled: setting(bool(), { default: false, env: 'KAFKA_SSL', envOnly: true, description: 'TLS to an external cluster' }),
      caFile: setting(text().trim(), { default: '', shownDefault: 'empty (system CAs)', env: 'KAFKA_SSL_CA_FILE', envOnly: true, description: 'PEM CA file' }),
      rejectUnauthorized: setting(bool(), { default: true, env: 'KAFKA_SSL_REJECT_UNAUTHORIZED', envOnly: true, description: 'verify the broker certificate (`false` only for testing)' }),
    },
  },
  http: {
    host: setting(nonEmpty(), { default: '127.0.0.1', env: 'HOST', flag: 'host', description: 'interface the web server binds (also `--urls`)' }),
    port: setting(int(0, 65535), { default: 3000, env: 'PORT', flag: 'port', description: 'web server port (0 = any free port; also `--urls`)' }),
    secureCookies: setting(bool(), { default: false, env: 'SECURE_COOKIES', description: 'Secure cookies, HSTS, upgrade-insecure-requests (only behind HTTPS)' }),
  },
  messages: {
    capacity: setting(int(1, 100_000), { default: 100, env: 'MESSAGES_CAPACITY', flag: 'capacity', description: 'consumed messages kept in memory' }),
    maxBytes: setting(int(1, 16 * 1024 * 1024), { default: 1_048_576, env: 'MESSAGES_MAX_BYTES', description: 'largest message value accepted, in UTF-8 bytes' }),
    maxKeyBytes: setting(int(1, 1024 * 1024), { default: 4096, env: 'MESSAGES_MAX_KEY_BYTES', description: 'largest message key accepted, in UTF-8 bytes (keys are identifiers, not payload)' }),
  },
  rateLimit: {
    max: setting(int(0, 1_000_000), { default: 120, env: 'RATE_LIMIT_MAX', description: 'POST requests one client address may make per window; more get 429 with `Retry-After`; 0 = no limit. `/healthz`, `/readyz`, `/metrics` are never limited' }),
    windowMs: setting(int(1000, 3_600_000), { default: 60_000, env: 'RATE_LIMIT_WINDOW_MS', description: 'length of the rate-limit window in ms' }),
  },
  embedded: {
    host: setting(nonEmpty(), { default: '127.0.0.1', env: 'EMBEDDED_HOST', description: 'embedded broker bind address' }),
    port: setting(int(0, 65535), { default: 9092, env: 'EMBEDDED_PORT', flag: 'embedded-port', description: 'embedded broker port (instances sharing it hand the broker over; 0 = a private broker, no hand-over)' }),
    dataDir: setting(nonEmpty(), { default: './data/kafka', env: 'EMBEDDED_DATA_DIR', flag: 'data-dir', description: 'embedded broker data directory (shared by the instances that hand the broker over)' }),
    partitions: setting(int(1, 1000), { default: 3, env: 'EMBEDDED_PARTITIONS', description: 'partitions of auto-created topics' }),
    thread: setting(z.enum(['worker', 'inline'], { error: 'must be worker or inline' }), { default: 'worker', env: 'EMBEDDED_THREAD', description: "`worker` (the hosted broker runs on its own thread, so HTTP, the consumer and the broker use both cores) or `inline` (on the web app's event loop)" }),
  },
  instance: {
    id: setting(text().trim(), { default: '', shownDefault: 'host:port the app listens on', env: 'INSTANCE_ID', flag: 'instance-id', description: 'name of this app instance' }),
  },
  failure: {
    mode: setting(oneOf(FAILURE_MODES), { default: 'none', env: 'FAILURE_MODE', flag: 'failure-mode', description: 'failure switch: `none`, `no-commit-crash` (exit before committing) or `stall` (block the handler past the session timeout)' }),
    afterMessages: setting(int(1, 1_000_000), { default: 5, env: 'FAILURE_AFTER_MESSAGES', flag: 'failure-after', description: 'the switch acts on the Nth message handled after it was armed' }),
    stallMs: setting(int(1, 3_600_000).optional(), { shownDefault: `sessionTimeoutMs + ${STALL_MARGIN_MS}`, env: 'FAILURE_STALL_MS', description: 'how long `stall` blocks the handler' }),
  },
  log: {
    level: setting(oneOf(LOG_LEVELS), { default: 'info', env: 'LOG_LEVEL', flag: 'log-level', description: 'fatal, error, warn, info, debug, trace or silent' }),
    format: setting(oneOf(LOG_FORMATS), { default: 'auto', env: 'LOG_FORMAT', flag: 'log-format', description: '`auto` (readable lines when stdout is a terminal, JSON lines otherwise), `json` or `pretty`' }),
  },
  secrets: {
    session: setting(secretSchema(), { env: 'SESSION_SECRET', envOnly: true, secret: true, shownDefault: 'random per process, with a warning', description: 'cookie signing secret (16+ characters); set it when running several instances' }),
    csrf: setting(secretSchema(), { env: 'CSRF_SECRET', envOnly: true, secret: true, shownDefault: 'random per process, with a warning', description: 'CSRF token secret (16+ characters); set it when running several instances' }),
  },
  nodeEnv: setting(text(), { default: 'production', env: 'NODE_ENV', envOnly: true, description: '`development` shows stack traces on the 500 page' }),
} as const;

type Tree = { readonly [key: string]: Setting | Tree };

function isSetting(node: Setting | Tree): node is Setting {
  return node.schema instanceof z.ZodType;
}

export interface SettingField extends Setting {
  /** Dotted path in the config object and in config/default.json: `http.port`. */
  readonly path: string;
}

function collectFields(tree: Tree, prefix: string, out: SettingField[]): SettingField[] {
  for (const [key, node] of Object.entries(tree)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (isSetting(node)) out.push({ ...node, path: p });
    else collectFields(node, p, out);
  }
  return out;
}

/** Every setting, flattened, in table order; the env/flag lookups, `--help` and README use it. */
export const CONFIG_FIELDS: readonly SettingField[] = collectFields(SETTINGS, '', []);

type ShapeOf<T> = {
  -readonly [K in keyof T]: T[K] extends { schema: infer S extends z.ZodType } ? S : z.ZodObject<ShapeOf<T[K]>, z.core.$strict>;
};

function objectSchema<T extends Tree>(tree: T): z.ZodObject<ShapeOf<T>, z.core.$strict> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, node] of Object.entries(tree)) shape[key] = isSetting(node) ? node.schema : objectSchema(node);
  return z.strictObject(shape) as unknown as z.ZodObject<ShapeOf<T>, z.core.$strict>;
}

/** Keys that config/default.json may hold: defaulted settings that are not environment-only. */
type FileKeys<T> = {
  [K in keyof T]: T[K] extends { schema: z.ZodType }
    ? T[K] extends { envOnly: true } ? never : T[K] extends { default: unknown } ? K : never
    : [FileKeys<T[K]>] extends [never] ? never : K;
}[keyof T];

type FileDefaults<T> = { [K in FileKeys<T>]: T[K] extends { default: infer D } ? D : FileDefaults<T[K]> };

function fileDefaults(tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) {
    if (isSetting(node)) {
      if (!node.envOnly && node.default !== undefined) out[key] = node.default;
    } else {
      const sub = fileDefaults(node);
      if (Object.keys(sub).length > 0) out[key] = sub;
    }
  }
  return out;
}

/** What config/default.json ships (a test keeps the file equal to this). */
export const DEFAULTS = fileDefaults(SETTINGS) as FileDefaults<typeof SETTINGS>;

const schema = objectSchema(SETTINGS).superRefine((c, ctx) => {
  if (c.kafka.heartbeatIntervalMs >= c.kafka.sessionTimeoutMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['kafka', 'heartbeatIntervalMs'],
      message: `must be lower than kafka.sessionTimeoutMs (${c.kafka.sessionTimeoutMs})`,
    });
  }
  securityIssues(c.kafka, c.kafka.brokers === 'embedded', ctx);
});

/** README's settings table, rendered from SETTINGS (test/unit/app/settings-docs.test.ts keeps README equal to it). */
export function settingsTableMarkdown(): string {
  const rows = CONFIG_FIELDS.map((f) => {
    const flag = f.envOnly ? '(env only)' : f.flag ? `--${f.flag}` : '';
    const shown = f.shownDefault ?? (f.default === undefined ? '' : String(f.default));
    return `| ${f.path} | ${f.env ?? ''} | ${flag} | ${shown} | ${f.description} |`;
  });
  return ['| key | env var | flag | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Cross-field rules for SASL/TLS; each issue sits on the variable the operator has to change. */
function securityIssues(k: SecuritySettings, embedded: boolean, ctx: z.RefinementCtx): void {
  const at = (p: string[], message: string) => ctx.addIssue({ code: 'custom', path: ['kafka', ...p], message });
  const { sasl, ssl } = k;
  if (sasl.mechanism !== 'none') {
    const missing = [!sasl.username && 'KAFKA_SASL_USERNAME', !sasl.password && 'KAFKA_SASL_PASSWORD'].filter(Boolean);
    if (missing.length > 0) at(['sasl', 'mechanism'], `${sasl.mechanism} needs ${missing.join(' and ')}`);
    if (embedded) {
      at(['sasl', 'mechanism'], 'the embedded broker does not support SASL; set KAFKA_BROKERS to a cluster that does, or unset this');
    }
  } else {
    if (sasl.username) at(['sasl', 'username'], 'is set but KAFKA_SASL_MECHANISM is none');
    if (sasl.password) at(['sasl', 'password'], 'is set but KAFKA_SASL_MECHANISM is none');
  }
  if (ssl.enabled && embedded) {
    at(['ssl', 'enabled'], 'the embedded broker does not support TLS; set KAFKA_BROKERS to a cluster that does, or unset this');
  }
  if (!ssl.enabled && ssl.caFile) at(['ssl', 'caFile'], 'only applies with KAFKA_SSL=true');
  if (!ssl.enabled && !ssl.rejectUnauthorized) at(['ssl', 'rejectUnauthorized'], 'only applies with KAFKA_SSL=true');
}

type Parsed = z.output<typeof schema>;

export interface AppConfig extends Omit<Parsed, 'instance' | 'failure'> {
  /** Empty id means "derive host:port once the server listens". */
  instance: { id: string | undefined };
  failure: { mode: FailureMode; afterMessages: number; stallMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Arguments after the script name, i.e. `process.argv.slice(2)`. */
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Where `config/default.json` and `.env` are looked up; also the base of relative paths. */
  cwd?: string;
  /** File contents to use instead of reading the disk (tests). `null` means "file absent". */
  files?: { configJson?: string | null; dotenv?: string | null };
}

const LABELS: Record<SourceKind, string> = {
  default: 'default',
  file: 'config/default.json',
  dotenv: '.env file',
  env: 'environment',
  flag: 'command line',
};

type Layer = Map<string, { value: unknown; origin: Origin }>;

function flatten(obj: unknown, prefix: string, out: Array<[string, unknown]>): void {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix, obj]);
  }
}

function readOptional(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function fileLayer(text: string | null, problems: string[]): Layer {
  const layer: Layer = new Map();
  if (text === null) return layer;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    problems.push(`config/default.json: not valid JSON (${(err as Error).message})`);
    return layer;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    problems.push('config/default.json: must contain a JSON object');
    return layer;
  }
  const leaves: Array<[string, unknown]> = [];
  flatten(json, '', leaves);
  const envOnly = new Map(CONFIG_FIELDS.filter((f) => f.envOnly).map((f) => [f.path, f.env!]));
  for (const [p, value] of leaves) {
    if (p.startsWith('secrets.') || p === 'secrets' || p === 'nodeEnv') {
      problems.push(`${p} (config/default.json): secrets and NODE_ENV may only come from the environment`);
      continue;
    }
    if (envOnly.has(p)) {
      problems.push(`${p} (config/default.json): may only come from the environment (${envOnly.get(p)})`);
      continue;
    }
    layer.set(p, { value, origin: { kind: 'file', name: p, label: LABELS.file } });
  }
  return layer;
}

function envLayer(vars: Readonly<Record<string, string | undefined>>, kind: 'env' | 'dotenv'): Layer {
  const layer: Layer = new Map();
  for (const f of CONFIG_FIELDS) {
    if (!f.env) continue;
    const raw = vars[f.env];
    // `PORT=` in a .env file means "not set" for operators, not "the empty port".
    if (raw === undefined || raw === '') continue;
    layer.set(f.path, { value: raw, origin: { kind, name: f.env, label: LABELS[kind] } });
  }
  return layer;
}

/** ASP.NET's `--urls=http://localhost:6001`; we serve one plain-HTTP address. */
function parseUrls(raw: string): { host: string; port: string } | string {
  const first = raw.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
  if (first.length !== 1) return 'exactly one URL is supported';
  const m = /^http:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/i.exec(first[0]!);
  if (!m) return `"${first[0]}" is not an http://host:port URL`;
  let host = m[1]!;
  if (host === '*' || host === '+') host = '0.0.0.0';
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host, port: m[2] ?? '80' };
}

function flagLayer(argv: readonly string[], problems: string[]): Layer {
  const layer: Layer = new Map();
  const byFlag = new Map(CONFIG_FIELDS.filter((f) => f.flag).map((f) => [f.flag!, f]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      problems.push(`${arg} (command line): unexpected argument`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (flag !== 'urls' && !byFlag.has(flag)) {
      problems.push(`--${flag} (command line): unknown option`);
      if (value === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        problems.push(`--${flag} (command line): needs a value`);
        continue;
      }
      value = next;
      i++;
    }
    const origin: Origin = { kind: 'flag', name: `--${flag}`, label: LABELS.flag };
    if (flag === 'urls') {
      const parsed = parseUrls(value);
      if (typeof parsed === 'string') {
        problems.push(`--urls (command line): ${parsed}`);
        continue;
      }
      layer.set('http.host', { value: parsed.host, origin });
      layer.set('http.port', { value: parsed.port, origin });
      continue;
    }
    layer.set(byFlag.get(flag)!.path, { value, origin });
  }
  return layer;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (next === null || typeof next !== 'object') node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Pure apart from reading the two optional files (which `files` can replace). */
export function loadConfig(opts: LoadConfigOptions = {}): AppConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? {};
  const problems: string[] = [];

  const configText =
    opts.files?.configJson !== undefined ? opts.files.configJson : readOptional(path.join(cwd, 'config', 'default.json'));
  const dotenvText = opts.files?.dotenv !== undefined ? opts.files.dotenv : readOptional(path.join(cwd, '.env'));

  const defaults: Layer = new Map();
  for (const f of CONFIG_FIELDS) {
    if (f.default !== undefined) defaults.set(f.path, { value: f.default, origin: { kind: 'default', name: f.path, label: LABELS.default } });
  }

  const layers = [
    defaults,
    fileLayer(configText, problems),
    envLayer(dotenvText === null ? {} : parseDotenv(dotenvText), 'dotenv'),
    envLayer(env, 'env'),
    flagLayer(opts.argv ?? [], problems),
  ];

  const merged: Layer = new Map();
  for (const layer of layers) for (const [k, v] of layer) merged.set(k, v);

  const raw: Record<string, unknown> = { secrets: {} };
  for (const [k, v] of merged) setPath(raw, k, v.value);

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const base = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const p = base ? `${base}.${key}` : key;
          const o = merged.get(p)?.origin ?? findOriginUnder(merged, p);
          problems.push(`${p} (${o?.label ?? 'config'}): unknown setting`);
        }
        continue;
      }
      const origin = merged.get(base)?.origin ?? findOriginUnder(merged, base);
      problems.push(`${origin?.name ?? base} (${origin?.label ?? 'config'}): ${issue.message}`);
    }
  }
  const data = result.data;
  const caFile = data?.kafka.ssl.caFile ? path.resolve(cwd, data.kafka.ssl.caFile) : '';
  if (caFile) {
    try {
      accessSync(caFile, fsConstants.R_OK);
    } catch (err) {
      const o = merged.get('kafka.ssl.caFile')!.origin;
      problems.push(`${o.name} (${o.label}): cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (problems.length > 0 || !data) throw new ConfigError(problems);

  return {
    ...data,
    kafka: { ...data.kafka, ssl: { ...data.kafka.ssl, caFile } },
    embedded: { ...data.embedded, dataDir: path.resolve(cwd, data.embedded.dataDir) },
    instance: { id: data.instance.id === '' ? undefined : data.instance.id },
    failure: { ...data.failure, stallMs: data.failure.stallMs ?? data.kafka.sessionTimeoutMs + STALL_MARGIN_MS },
  };
}

function findOriginUnder(merged: Layer, prefix: string): Origin | undefined {
  for (const [k, v] of merged) if (k.startsWith(`${prefix}.`)) return v.origin;
  return undefined;
}
