import { Router } from 'express';
import type { AppDependencies } from '../types.js';

/**
 * /healthz: the process serves requests (for restarts by a supervisor).
 * /readyz: this instance can do its job: producer connected, consumer running (or deliberately
 * paused), not shutting down (for load balancers; 503 takes it out of rotation).
 */
export function healthRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const producer = deps.producer.status();
    const consumer = deps.consumer.status();
    const shuttingDown = deps.lifecycle.isShuttingDown();
    // A consumer paused from the Cluster page is a deliberate state, not a fault: taking the
    // instance out of a load balancer would also hide the page that can resume it.
    const ready = !shuttingDown && producer.state === 'connected' && (consumer.state === 'running' || consumer.state === 'paused');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      shuttingDown,
      instance: deps.instanceId(),
      producer: { state: producer.state, idempotent: producer.idempotent, lastError: producer.lastError },
      consumer: { state: consumer.state, partitions: consumer.partitions, lastError: consumer.lastError },
    });
  });
  return router;
}
