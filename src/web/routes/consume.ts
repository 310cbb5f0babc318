import { Router } from 'express';
import type { AppDependencies } from '../types.js';
import { toMessageRow } from '../message-row.js';

export function consumeRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/consume', (_req, res) => {
    res.render('consume', {
      rows: deps.store.newestFirst().map((m) => toMessageRow(m, res.locals.t)),
      capacity: deps.config.messages.capacity,
      consumer: deps.consumer.status(),
    });
  });
  return router;
}
