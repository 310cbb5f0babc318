// The web part's baseline: Express with the same JSON body parsing (and body limit) as the app's
// POST /api/messages, answering 201 with the same shape, but with no Kafka behind it, no
// middleware and no request log. Prints "port=<n>" once listening.
import express from 'express';

const MAX_BYTES = 1_048_576;
const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: MAX_BYTES * 2 + 64 * 1024 }));
let offset = 0;
app.post('/api/messages', (req, res) => {
  const body = req.body as { topic?: unknown; value?: unknown } | undefined;
  if (!body || typeof body.value !== 'string') {
    res.status(400).json({ errors: [{ field: 'value', message: 'required' }] });
    return;
  }
  res.status(201).json({ topic: typeof body.topic === 'string' ? body.topic : 'bench-web', partition: 0, offset: String(offset++) });
});
const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`port=${typeof a === 'object' && a ? a.port : 0}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
