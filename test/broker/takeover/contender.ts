/**
 * One contender for an embedded broker's address and data directory (child process of
 * takeover-race.test.ts). It loads everything, says "ready", waits for "go" on stdin so that all
 * contenders start at the same moment, then tries startBroker once and reports how it went. A
 * winner keeps serving until stdin closes.
 */
import { createInterface } from 'node:readline';
import pino from 'pino';
import { startBroker } from '../../../src/broker/index.js';

const [port, dataDir, name] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!];
// The broker's own log records go to stdout as JSON (the test counts "data directory opened").
const logger = pino({ level: 'info' });
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ contender: name, pid: process.pid, ...o })}\n`);

const lines = createInterface({ input: process.stdin });
say({ state: 'ready' });
lines.once('line', async () => {
  try {
    const broker = await startBroker({ port, dataDir, logger, lockOwner: name });
    say({ state: 'won', address: broker.address });
    lines.once('close', () => void broker.close().then(() => process.exit(0)));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    say({ state: 'lost', code: e.code ?? 'error', message: e.message });
    process.exit(0);
  }
});
