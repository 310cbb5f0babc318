/**
 * The web app as a child process, started the way `npm start` starts it (compiled `dist/main.js`),
 * configured through its environment variables only.
 */
import { join } from 'node:path';
import { REPO_ROOT, ensureBuilt, npmScriptNodeFlags, spawnChild, type Child } from './proc.js';

export interface AppChild extends Child {
  url: string;
  /** host:port of the Kafka broker the app uses (its own embedded one, or the one given). */
  broker: string;
}

export interface AppOptions {
  /** `embedded` (start one in-process on a free port in `dataDir`) or host:port of a broker. */
  brokers: string;
  dataDir?: string;
  /**
   * With `embedded`: a fixed port shared by several instances (they hand the broker over among
   * themselves); the instance may then join instead of starting it. Default: a private free port.
   */
  embeddedPort?: number;
  topic: string;
  groupId?: string;
  instanceId?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

export async function startAppChild(opts: AppOptions): Promise<AppChild> {
  const env: NodeJS.ProcessEnv = {
    HOST: '127.0.0.1',
    PORT: '0',
    KAFKA_BROKERS: opts.brokers,
    KAFKA_TOPIC: opts.topic,
    KAFKA_GROUP_ID: opts.groupId ?? 'bench-group',
    EMBEDDED_PORT: String(opts.embeddedPort ?? 0),
    EMBEDDED_DATA_DIR: opts.dataDir ?? '',
    INSTANCE_ID: opts.instanceId ?? '',
    // Fixed secrets: without them the app warns and generates per-process ones; forms are not
    // used here, so their value does not matter.
    SESSION_SECRET: 'bench-session-secret-0123456789',
    CSRF_SECRET: 'bench-csrf-secret-0123456789abcd',
    // The load generator is one address; measuring the limiter's 429s is not the point.
    RATE_LIMIT_MAX: '0',
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    ...opts.env,
  };
  for (const [k, v] of Object.entries(env)) if (v === '') delete env[k];
  // What `npm start` runs: the compiled dist/ (built here if src/ changed, as its prestart does),
  // not tsx, which compiles at run time and costs ~40 MB of RSS and start-up CPU.
  ensureBuilt();
  const c = spawnChild(process.execPath, { args: [...npmScriptNodeFlags('start', 'dist/main.js'), ...(opts.nodeFlags ?? []), join(REPO_ROOT, 'dist', 'main.js')], env });
  let broker = opts.brokers;
  if (opts.brokers === 'embedded' && opts.embeddedPort !== undefined) {
    broker = `127.0.0.1:${opts.embeddedPort}`;
  } else if (opts.brokers === 'embedded') {
    const rec = await c.waitForJson((r) => r.msg === 'started the embedded Kafka broker in this process', 60_000, 'embedded broker start');
    broker = String(rec.broker);
  }
  const rec = await c.waitForJson((r) => r.msg === 'web app listening', 60_000, '"web app listening"');
  return { ...c, url: String(rec.url), broker };
}

/** Polls /readyz until the producer is connected and the consumer runs. */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as Record<string, any>;
      if (res.status === 200) return body;
      last = JSON.stringify(body);
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms: ${last}`);
}
