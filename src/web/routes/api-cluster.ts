import { Router, type Request, type Response } from 'express';
import type { AppDependencies } from '../types.js';
import { AdminError } from '../../kafka/admin-service.js';
import { toClusterRows } from '../cluster-rows.js';
import { parseFailure, parseGroup, type Parsed } from '../validation/cluster-rules.js';
import type { Translate } from '../../i18n/index.js';

/**
 * JSON side of the group view: GET /api/cluster (polled by the page's script with ?rows=1, which
 * adds the tables' view model; usable by scripts and multi-instance tests) and small JSON controls for this instance's consumer and failure
 * switch. Like /api/messages they accept application/json only, which is what exempts them from
 * CSRF tokens (see middleware/csrf.ts).
 */
export function apiClusterRoutes(deps: AppDependencies): Router {
  const router = Router();

  const instance = () => {
    const c = deps.consumer.status();
    return {
      id: deps.instanceId(),
      groupId: c.groupId,
      topic: c.topic,
      consumer: { state: c.state, partitions: c.partitions, consumed: c.consumed, commitFailures: c.commitFailures, lastError: c.lastError ?? null },
      failure: deps.failure.status(),
    };
  };

  router.get('/cluster', async (req, res, next) => {
    try {
      const cluster = await deps.admin.clusterView();
      deps.history?.record(cluster);
      // ?rows=1 is the page's poller: the tables as the page renders them, in the caller's language.
      const rows = req.query.rows === '1' ? { rows: toClusterRows(cluster, deps.instanceId(), res.locals.t) } : {};
      res.json({ instance: instance(), broker: deps.broker.status(), cluster, ...rows });
    } catch (err) {
      if (!(err instanceof AdminError)) return next(err);
      res.status(503).set('Retry-After', '5').json({ instance: instance(), broker: deps.broker.status(), cluster: null, error: err.message });
    }
  });

  const json = (req: Request, res: Response): boolean => {
    if (req.is('application/json') === 'application/json') return true;
    res.status(415).json({ errors: [{ field: 'body', message: 'Content-Type must be application/json' }] });
    return false;
  };
  const invalid = (res: Response, parsed: Parsed<unknown>) => {
    const t: Translate = res.locals.t;
    res.status(400).json({ errors: Object.entries(parsed.errors).map(([field, m]) => ({ field, message: t(m.key, m.params) })) });
  };

  router.post('/consumer/group', async (req, res) => {
    if (!json(req, res)) return;
    const p = parseGroup(req.body);
    if (!p.result) return invalid(res, p);
    await deps.consumer.switchGroup(p.result.group);
    res.json({ instance: instance() });
  });

  router.post('/consumer/pause', async (req, res) => {
    if (!json(req, res)) return;
    await deps.consumer.pause();
    res.json({ instance: instance() });
  });

  router.post('/consumer/resume', async (req, res) => {
    if (!json(req, res)) return;
    await deps.consumer.resume();
    res.json({ instance: instance() });
  });

  router.post('/failure', (req, res) => {
    if (!json(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    // JSON callers may send numbers; the form parser reads strings.
    const asText = (v: unknown) => (typeof v === 'number' ? String(v) : v);
    const p = parseFailure({ mode: body.mode, afterMessages: asText(body.afterMessages ?? deps.config.failure.afterMessages), stallMs: asText(body.stallMs ?? '') });
    if (!p.result) return invalid(res, p);
    deps.failure.arm(p.result.mode, p.result.afterMessages, p.result.stallMs ?? deps.config.failure.stallMs);
    res.json({ instance: instance() });
  });

  return router;
}
