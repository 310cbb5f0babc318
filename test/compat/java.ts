/**
 * The Apache Kafka Java client for the compatibility tests: kafka-clients (and its codec jars) from
 * the git-ignored .cache/kafka/<version>/libs that tools/kafka/pom.xml fills from Maven Central,
 * resolved here with Maven when missing, and test/compat/java/CompatClient.java compiled with javac
 * into a temporary directory once per test process.
 */
import { join } from 'node:path';
import { ensureKafkaJars } from '../../scripts/lib/apache-kafka.js';
import { removeDir, tempDir } from '../helpers/temp.js';
import { COMPAT_DIR, assertOk, run, type RunResult } from './helpers.js';

/** The oldest Kafka line the project supports and the newest 4.x it is tested with. */
export const JAVA_CLIENT_VERSIONS = ['3.9.1', '4.4.0'] as const;
export const KAFKA_VERSION = JAVA_CLIENT_VERSIONS[0];

const compiled = new Map<string, Promise<string>>();
const made: string[] = [];
process.once('exit', () => {
  for (const dir of made) removeDir(dir);
});

/** Compiles CompatClient once per client version; resolves to the class path to run it with. */
export function javaClassPath(version: string = KAFKA_VERSION): Promise<string> {
  let p = compiled.get(version);
  if (p) return p;
  p = (async () => {
    const libs = ensureKafkaJars(version);
    const out = tempDir('compat-java-');
    made.push(out);
    const cp = `${libs}/*`;
    assertOk('javac CompatClient', await run('javac', ['-nowarn', '-cp', cp, '-d', out, join(COMPAT_DIR, 'java', 'CompatClient.java')], { timeoutMs: 180_000 }));
    return `${out}:${cp}`;
  })();
  compiled.set(version, p);
  return p;
}

/** Runs one CompatClient mode; log4j is left unconfigured so only its warnings reach stderr. */
export async function runJava(args: string[], timeoutMs = 120_000, version: string = KAFKA_VERSION): Promise<RunResult> {
  const cp = await javaClassPath(version);
  return run('java', ['-Xmx256m', '-Dlog4j.configuration=file:/dev/null', '-cp', cp, 'CompatClient', ...args], { timeoutMs });
}
