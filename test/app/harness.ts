/**
 * Shared plumbing for the app integration tests: the suite's Kafka (the embedded broker on port 0
 * with a temp dir, or the run's Apache Kafka), the real app stack (startApp) on port 0, and a tiny
 * cookie-keeping HTTP client. waitFor and tempDir are the shared ones from test/helpers.
 */
import fs from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startApp, type RunningApp, type StartOptions } from '../../src/main.js';
import { startTestBroker } from '../helpers/broker.js';
import { onApacheKafka, startSuiteKafka } from '../helpers/suite-kafka.js';
import { tempDir } from '../helpers/temp.js';
export { tempDir } from '../helpers/temp.js';
export { waitFor } from '../helpers/wait.js';

const LOG_LEVEL = (process.env.TEST_LOG_LEVEL ?? 'silent') as 'silent';

// Working directories of apps not stopped by their test (a failed assertion) go when the process does.
const appDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of appDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The suite's Kafka as the app tests see it; close() leaves dataDir, so a test can restart on it. */
export interface SuiteBroker {
  port: number;
  address: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startSuiteBroker(opts: { dataDir?: string; port?: number; minSessionTimeoutMs?: number } = {}): Promise<SuiteBroker> {
  // TEST_KAFKA=apache: the run's Apache Kafka (test/helpers/suite-kafka.ts). A test that needs
  // the embedded broker's knobs (its data dir, a fixed port, a shorter minimum session) fails
  // loudly there instead of quietly running on the embedded broker.
  if (onApacheKafka) {
    const given = Object.keys(opts).filter((k) => opts[k as keyof typeof opts] !== undefined);
    if (given.length > 0) throw new Error(`this test needs the embedded broker (${given.join(', ')}); it cannot run with TEST_KAFKA=apache`);
    const kafka = await startSuiteKafka();
    return { port: Number(kafka.address.split(':')[1]), address: kafka.bootstrap, dataDir: kafka.dataDir, close: () => kafka.close() };
  }
  // The data dir is passed in, so the helper leaves it to the test (which may restart on it).
  const { broker, dataDir } = await startTestBroker({
    host: '127.0.0.1',
    dataDir: opts.dataDir ?? tempDir('kwd-broker-'),
    logger: createLogger(LOG_LEVEL),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.minSessionTimeoutMs !== undefined ? { minSessionTimeoutMs: opts.minSessionTimeoutMs } : {}),
  });
  return { port: broker.port, address: broker.address, dataDir, close: () => broker.close() };
}

/** Starts the whole app against `brokerAddress`; `env`/`argv` go through the real config loader. */
export async function startTestApp(
  brokerAddress: string,
  opts: { env?: Record<string, string>; argv?: string[]; start?: StartOptions } = {},
): Promise<RunningApp> {
  // An empty working directory, so no config/default.json or .env of the repository leaks in.
  const cwd = tempDir('kwd-cwd-');
  appDirs.add(cwd);
  const removeCwd = () => {
    appDirs.delete(cwd);
    fs.rmSync(cwd, { recursive: true, force: true });
  };
  const config = loadConfig({
    cwd,
    files: { configJson: null, dotenv: null },
    argv: ['--port', '0', '--brokers', brokerAddress, ...(opts.argv ?? [])],
    env: {
      SESSION_SECRET: 'test-session-secret-0123456789',
      CSRF_SECRET: 'test-csrf-secret-0123456789abc',
      KAFKA_SEND_TIMEOUT_MS: '4000',
      KAFKA_CONNECTION_TIMEOUT_MS: '1000',
      // The suites post far more than a person would, all from 127.0.0.1; the limiter has its own test.
      RATE_LIMIT_MAX: '0',
      ...opts.env,
    },
  });
  const app = await startApp(config, createLogger(config.log.level === 'info' ? LOG_LEVEL : config.log.level), opts.start);
  const stop = app.stop;
  app.stop = () => stop().finally(removeCwd);
  return app;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

/** A browser-ish client: keeps cookies, never follows redirects by itself. */
export class Client {
  private readonly jar = new Map<string, string>();

  constructor(
    readonly base: string,
    private readonly defaults: Record<string, string> = {},
  ) {}

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  dropCookie(name: string): void {
    this.jar.delete(name);
  }

  async request(method: string, url: string, init: { body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...this.defaults, ...init.headers };
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(new URL(url, this.base), {
      method,
      headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs ?? 20_000),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  get(url: string, headers?: Record<string, string>) {
    return this.request('GET', url, { headers });
  }

  postForm(url: string, fields: Record<string, string>, headers?: Record<string, string>) {
    return this.request('POST', url, {
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  postJson(url: string, body: unknown, headers?: Record<string, string>) {
    return this.request('POST', url, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  }

  /** GET the form page and pull the CSRF token out of it, as a browser would. */
  async csrfToken(page = '/produce'): Promise<string> {
    const res = await this.get(page);
    const m = /name="_csrf" value="([^"]+)"/.exec(res.text);
    if (!m) throw new Error(`no CSRF token on ${page} (status ${res.status})`);
    return m[1]!;
  }

  /** Posts one of the /cluster forms the way the page does (token taken from /cluster). */
  async clusterForm(action: string, fields: Record<string, string>): Promise<Reply> {
    const token = await this.csrfToken('/cluster');
    return this.postForm(action, { ...fields, _csrf: token });
  }

  /** The flash shown on the next page view, as plain text, with its kind and detail line. */
  async flashText(page = '/cluster'): Promise<{ kind: string; text: string; detail: string } | undefined> {
    const html = (await this.get(page)).text;
    const marker = 'data-testid="flash">';
    const at = html.indexOf(marker);
    if (at < 0) return undefined;
    const kind = /alert-(\w+)"[^<]*$/.exec(html.slice(Math.max(0, at - 120), at))?.[1] ?? '';
    const rest = html.slice(at + marker.length);
    const end = rest.search(/<div class="small|<\/div>/);
    const plain = (s: string) => unescapeHtml(s.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
    const detail = /^<div class="small[^"]*">([\s\S]*?)<\/div>/.exec(rest.slice(end))?.[1] ?? '';
    return { kind, text: plain(rest.slice(0, end)), detail: plain(detail) };
  }

  /** Sends the produce form the way the page does: token from the page, cookies from the jar. */
  async sendForm(fields: { topic?: string; key?: string; message: string }): Promise<Reply> {
    const token = await this.csrfToken();
    return this.postForm('/produce', { topic: 'test-topic', key: '', ...fields, _csrf: token });
  }
}

/** Decodes the entities EJS escaping produces, to compare page text with what was sent. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#34;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Messages as the Consume page shows them (value column), newest first. */
export function consumeValues(html: string): string[] {
  return [...html.matchAll(/data-testid="message-value">([\s\S]*?)<\/td>/g)].map((m) => unescapeHtml(m[1]!.trim()));
}
