import { Router } from 'express';
import type { AppDependencies } from '../types.js';
import { AdminError, type ClusterView } from '../../kafka/admin-service.js';
import { buildPictures, type Pictures } from '../cluster-pictures.js';

/** Views at most this old are drawn again rather than fetched (the page and its poller share them). */
const FRESH_MS = 1500;

/** The pictures for the current group and topic, from a view already fetched or a fresh one. */
export async function picturesFor(deps: AppDependencies, view?: ClusterView): Promise<Pictures | undefined> {
  const history = deps.history;
  if (!history) return undefined;
  let v = view ?? history.fresh(FRESH_MS);
  if (!v) {
    try {
      v = await deps.admin.clusterView();
      history.record(v);
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
    }
  }
  return buildPictures({ view: v, history, topic: deps.config.kafka.topic, group: deps.consumer.status().groupId, me: deps.instanceId() });
}

/**
 * GET /cluster/pictures: the pictures partial alone, server-rendered SVG, which
 * public/js/cluster-pictures.js swaps into /cluster every few seconds.
 */
export function clusterPictureRoutes(deps: AppDependencies): Router {
  const router = Router();
  if (!deps.history) return router;
  router.get('/cluster/pictures', async (_req, res, next) => {
    try {
      res.render('partials/cluster-pictures', { pictures: await picturesFor(deps) });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
