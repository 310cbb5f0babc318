/**
 * `npm run kafka -- [--nodes 1|3] [--port P] [--data-dir D] [--version V]`: real Apache Kafka
 * (KRaft, combined broker+controller nodes) from Maven Central jars, no Docker. Prints exactly
 * one line on stdout, `bootstrap=host:port[,host:port...]`, once Kafka answers; progress goes to
 * stderr. Ctrl-C / SIGTERM stops the brokers cleanly. The logic is scripts/lib/apache-kafka.ts.
 */
import { parseArgs } from 'node:util';
import { checkTools, DEFAULT_HEAP_MB, DEFAULT_KAFKA_VERSION, ensureKafkaJars, MissingToolError, startApacheKafka, type ApacheKafka } from './lib/apache-kafka.js';

const USAGE = `Usage: npm run kafka -- [options]
  --nodes <1|3>        brokers to start, each also a KRaft controller (default 1)
  --port <P>           port of the first broker; the others use P+1, P+2 (default: free ports)
  --data-dir <D>       storage, configs and Kafka's logs; kept and reused by the next run
                       (default: a temporary directory, removed on exit)
  --version <V>        Apache Kafka release (default ${DEFAULT_KAFKA_VERSION}; KAFKA_VERSION also works)
  --heap <MB>          heap per broker (default ${DEFAULT_HEAP_MB})
  --resolve-only       only fetch the jars of --version into .cache/kafka (for CI and offline use)
  -h, --help
Prints "bootstrap=host:port,..." when Kafka answers; Ctrl-C stops it.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`kafka: ${message}\n`);
  process.exit(code);
}

let values;
try {
  values = parseArgs({
    options: {
      nodes: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      version: { type: 'string' },
      heap: { type: 'string' },
      'resolve-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  fail(`${(err as Error).message}\n\n${USAGE}`);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const nodes = Number(values.nodes ?? 1);
if (nodes !== 1 && nodes !== 3) fail(`--nodes: expected 1 or 3, got '${values.nodes}'`);
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535 - nodes + 1)) fail(`--port: expected a port number, got '${values.port}'`);
const heapMb = values.heap === undefined ? undefined : Number(values.heap);
if (heapMb !== undefined && (!Number.isInteger(heapMb) || heapMb < 128)) fail(`--heap: expected megabytes (at least 128), got '${values.heap}'`);
const version = values.version ?? process.env.KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
if (!/^\d+\.\d+\.\d+$/.test(version)) fail(`--version: expected a release such as ${DEFAULT_KAFKA_VERSION}, got '${version}'`);

if (values['resolve-only']) {
  try {
    checkTools(version);
    process.stderr.write(`kafka: Kafka ${version} jars in ${ensureKafkaJars(version)}\n`);
    process.exit(0);
  } catch (err) {
    fail((err as Error).message, 1);
  }
}

let kafka: ApacheKafka | undefined;
let stopping = false;

async function shutdown(reason: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`kafka: ${reason}: stopping the broker(s)\n`);
  // During start-up there is nothing to stop yet; the start finishes (bounded) and stops below.
  if (!kafka) return;
  await kafka.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  kafka = await startApacheKafka({
    nodes,
    port,
    version,
    heapMb,
    dataDir: values['data-dir'],
    log: (line) => process.stderr.write(`kafka: ${line}\n`),
  });
} catch (err) {
  if (err instanceof MissingToolError) fail(err.message, 1);
  fail((err as Error).message, 1);
}
if (stopping) {
  await kafka.stop();
  process.exit(0);
}
process.stdout.write(`bootstrap=${kafka.bootstrap}\n`);
process.stderr.write(`kafka: Kafka ${version} is up; KAFKA_BROKERS=${kafka.bootstrap} npm start. Ctrl-C stops it.\n`);
// A broker that dies on its own is reported; the launcher keeps the others running.
const watch = setInterval(() => {
  for (const n of kafka!.nodes) if (!n.running && !stopping) {
    process.stderr.write(`kafka: node ${n.id} exited unexpectedly\n${n.logTail(20)}\n`);
    void shutdown('a broker exited', 1);
  }
}, 1000);
watch.unref();
// Keep the process alive until a signal arrives.
setInterval(() => undefined, 1 << 30);
