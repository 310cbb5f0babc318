/**
 * The embedded broker on its own thread (BrokerHost with `embedded.thread: worker`). The thread
 * belongs to the app's process: same pid (the data directory's lock records it), and it dies with
 * the process, so a SIGKILLed host frees the port at once, which the takeover design needs. It is
 * started ahead of need and serves one broker at a time, so a takeover does not wait for a thread
 * to boot and load the broker's modules, and repeated attempts reuse it. Everything crosses the
 * boundary as messages: start and its outcome, the lock, stats, close, log lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DataDirLockedError, startBroker, type BrokerOptions, type RunningBroker } from '../broker/index.js';
import type { FromWorker, ToWorker, WorkerData } from './broker-worker-protocol.js';

const port = parentPort!;
const { logLevel } = workerData as WorkerData;
const send = (m: FromWorker) => port.postMessage(m);

// The app's logger lives on the other thread; pino here writes JSON lines, each one handed over.
const lines = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) send({ type: 'log', line });
    done();
  },
});
const logger = pino({ level: logLevel, base: undefined, timestamp: false }, lines);

let broker: RunningBroker | undefined;

async function handle(m: ToWorker): Promise<FromWorker> {
  if (m.type === 'start') {
    if (broker) throw new Error('a broker is already running on this thread');
    broker = await startBroker({ ...(m.options as Omit<BrokerOptions, 'logger'>), logger });
    return { type: 'reply', id: m.id, started: { address: broker.address, port: broker.port, lock: broker.lockInfo(), brokeStaleLock: broker.brokeStaleLock } };
  }
  if (!broker) throw new Error('the broker is not running');
  if (m.type === 'setOwner') {
    await broker.setLockOwner(m.owner);
    return { type: 'reply', id: m.id, lock: broker.lockInfo() };
  }
  if (m.type === 'stats') return { type: 'reply', id: m.id, stats: broker.stats() };
  const b = broker;
  broker = undefined;
  await b.close();
  return { type: 'reply', id: m.id };
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'crash') {
    setImmediate(() => {
      throw new Error('broker thread crash injected by a test');
    });
    return;
  }
  handle(m).then(send, (err: NodeJS.ErrnoException) => {
    const code = err instanceof DataDirLockedError ? 'EDATADIRLOCKED' : err.code;
    send({ type: 'reply', id: m.id, error: { message: err.message, code } });
  });
});
