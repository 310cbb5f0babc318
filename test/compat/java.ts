/**
 * The Apache Kafka Java client for the compatibility tests: kafka-clients (and its codec jars) from
 * the git-ignored .cache/kafka/<version>/libs that tools/kafka/pom.xml fills from Maven Central,
 * resolved here with Maven when missing, and test/compat/java/CompatClient.java compiled with javac
 * into a temporary directory once per test process.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMPAT_DIR, assertOk, run, type RunResult } from './helpers.js';

export const KAFKA_VERSION = '3.9.1';
const ROOT = resolve(COMPAT_DIR, '../..');
export const KAFKA_LIBS = join(ROOT, '.cache', 'kafka', KAFKA_VERSION, 'libs');

let compiled: Promise<string> | undefined;
const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

async function ensureLibs(): Promise<void> {
  if (existsSync(join(KAFKA_LIBS, `kafka-clients-${KAFKA_VERSION}.jar`))) return;
  const r = await run('mvn', ['-q', '-f', join(ROOT, 'tools/kafka/pom.xml'), `-Dkafka.version=${KAFKA_VERSION}`, 'dependency:copy-dependencies'], {
    timeoutMs: 600_000,
  });
  assertOk('mvn dependency:copy-dependencies (Apache Kafka jars)', r);
}

/** Compiles CompatClient once; resolves to the class path to run it with. */
export function javaClassPath(): Promise<string> {
  compiled ??= (async () => {
    await ensureLibs();
    const out = mkdtempSync(join(tmpdir(), 'compat-java-'));
    made.push(out);
    const cp = `${KAFKA_LIBS}/*`;
    assertOk('javac CompatClient', await run('javac', ['-nowarn', '-cp', cp, '-d', out, join(COMPAT_DIR, 'java', 'CompatClient.java')], { timeoutMs: 180_000 }));
    return `${out}:${cp}`;
  })();
  return compiled;
}

/** Runs one CompatClient mode; log4j is left unconfigured so only its warnings reach stderr. */
export async function runJava(args: string[], timeoutMs = 120_000): Promise<RunResult> {
  const cp = await javaClassPath();
  return run('java', ['-Xmx256m', '-Dlog4j.configuration=file:/dev/null', '-cp', cp, 'CompatClient', ...args], { timeoutMs });
}
