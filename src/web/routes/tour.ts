import { Router, type Request } from 'express';
import type { AppDependencies } from '../types.js';
import type { TourStep } from '../tour.js';

/** The tour's state for Home and for its small poller (GET /api/tour). */
export function tourState(deps: AppDependencies): TourStep[] | undefined {
  if (!deps.tour) return undefined;
  const groups = [...new Set([deps.config.kafka.groupId, deps.consumer.status().groupId])];
  return deps.tour.steps(deps.history, groups);
}

/** The exact commands the tour shows, for this instance's own address. */
export function tourCommands(req: Request): { send: string; replay: string; second: string } {
  const base = `${req.protocol}://${req.get('host') ?? 'localhost:3000'}`;
  return {
    send: `curl -s -X POST ${base}/api/messages -H 'content-type: application/json' -d '{"value":"hello"}'`,
    replay: 'npm start -- --urls=http://localhost:6003 --group-id replay-1',
    second: 'npm start -- --urls=http://localhost:6002',
  };
}

export function tourRoutes(deps: AppDependencies): Router {
  const router = Router();
  if (!deps.tour) return router;
  router.get('/tour', (_req, res) => {
    res.json({ steps: tourState(deps) });
  });
  return router;
}
