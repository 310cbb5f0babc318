// The web part's second baseline: bare-express.ts plus a kafkajs producer configured as the app's
// (idempotent, acks=all) into the same broker, one send() per request and nothing else: no
// middleware, validation chain, metrics or request log. App vs this is our own overhead; this vs
// bare Express is what kafkajs and the broker cost. Usage: express-kafkajs.ts <broker host:port> <topic>.
// Prints "port=<n>" once listening.
import express from 'express';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const [broker, topic] = process.argv.slice(2);
if (!broker || !topic) throw new Error('usage: express-kafkajs.ts <broker> <topic>');
const MAX_BYTES = 1_048_576;
const producer = new Kafka({ clientId: 'bench-express-kafkajs', brokers: [broker], logLevel: logLevel.NOTHING }).producer({
  idempotent: true,
  maxInFlightRequests: 1,
  createPartitioner: Partitioners.DefaultPartitioner,
  allowAutoTopicCreation: false,
});
await producer.connect();

const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: MAX_BYTES * 2 + 64 * 1024 }));
app.post('/api/messages', async (req, res) => {
  const body = req.body as { key?: unknown; value?: unknown } | undefined;
  if (!body || typeof body.value !== 'string') {
    res.status(400).json({ errors: [{ field: 'value', message: 'required' }] });
    return;
  }
  try {
    const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: typeof body.key === 'string' ? body.key : null, value: body.value }] });
    res.status(201).json({ topic, partition: meta?.partition ?? 0, offset: meta?.baseOffset ?? '0' });
  } catch (err) {
    res.status(503).json({ error: (err as Error).message });
  }
});
const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`port=${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => void producer.disconnect().finally(() => process.exit(0)));
});
