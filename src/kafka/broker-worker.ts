/**
 * The embedded broker on its own thread (BrokerHost with `embedded.thread: worker`). The thread
 * belongs to the app's process: same pid (the data directory's lock records it), and it dies with
 * the process, so a SIGKILLed host frees the port at once, which the takeover design needs.
 * Everything crosses the boundary as messages: the start's outcome, the lock, stats, log lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DataDirLockedError, startBroker, type BrokerOptions, type RunningBroker } from '../broker/index.js';
import type { FromWorker, ToWorker, WorkerStart } from './broker-worker-protocol.js';

const port = parentPort!;
const start = workerData as WorkerStart;
const send = (m: FromWorker) => port.postMessage(m);

// The app's logger lives on the other thread; pino here writes JSON lines, each one handed over.
const lines = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) send({ type: 'log', line });
    done();
  },
});
const logger = pino({ level: start.logLevel, base: undefined, timestamp: false }, lines);

let broker: RunningBroker | undefined;

async function main(): Promise<void> {
  try {
    broker = await startBroker({ ...(start.options as Omit<BrokerOptions, 'logger'>), logger });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    send({ type: 'failed', code: e instanceof DataDirLockedError ? 'EDATADIRLOCKED' : e.code, message: e.message, stack: e.stack });
    return;
  }
  send({ type: 'started', address: broker.address, port: broker.port, lock: broker.lockInfo(), brokeStaleLock: broker.brokeStaleLock });
}

port.on('message', (m: ToWorker) => {
  void (async () => {
    try {
      if (!broker) throw new Error('the broker is not running');
      if (m.type === 'setOwner') {
        await broker.setLockOwner(m.owner);
        send({ type: 'reply', id: m.id, lock: broker.lockInfo() });
      } else if (m.type === 'stats') {
        send({ type: 'reply', id: m.id, stats: broker.stats() });
      } else if (m.type === 'close') {
        const b = broker;
        broker = undefined;
        await b.close();
        send({ type: 'reply', id: m.id });
      }
    } catch (err) {
      send({ type: 'reply', id: m.id, error: (err as Error).message });
    }
  })();
});

void main();
