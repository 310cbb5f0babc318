import { Router } from 'express';
import type { AppDependencies } from '../types.js';

/** Prometheus exposition of this instance's own registry (see web/metrics.ts). */
export function metricsRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/metrics', async (_req, res, next) => {
    try {
      const body = await deps.metrics.render();
      res.set('Content-Type', deps.metrics.contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
