import { Router, type Response } from 'express';
import type { AppDependencies } from '../types.js';
import type { Translate } from '../../i18n/index.js';
import { BrowseError, encodeCursor } from '../../kafka/topic-browser.js';
import { topicNameIssue } from '../../messages/topic-name.js';
import { parseBrowseQuery } from '../validation/browse-rules.js';
import { toApiBrowsed, toBrowseRow } from '../browse-view.js';

/**
 * JSON side of the topic browser: GET /api/topics and GET /api/topics/:name/messages (with
 * ?rows=1 also the page's row view models, for its live tail). Reads only:
 * no consumer group is joined and nothing is committed (see kafka/topic-browser.ts).
 */
export function apiTopicRoutes(deps: AppDependencies): Router {
  const router = Router();
  const topics = deps.topics;
  if (!topics) return router;

  const failed = (res: Response, err: unknown, next: (e: unknown) => void) => {
    if (!(err instanceof BrowseError)) return next(err);
    if (err.kind === 'unknown_topic') return res.status(404).json({ error: 'unknown topic', topic: err.params.topic });
    if (err.kind === 'unknown_partition') {
      const t: Translate = res.locals.t;
      return res.status(400).json({ errors: [{ field: 'partition', message: t('validation.browse.noPartition', err.params) }] });
    }
    res.status(503).set('Retry-After', '5').json({ error: err.kind, message: err.message });
  };

  router.get('/topics', async (_req, res, next) => {
    try {
      res.json({ topics: await topics.listTopics() });
    } catch (err) {
      failed(res, err, next);
    }
  });

  router.get('/topics/:name/messages', async (req, res, next) => {
    const t: Translate = res.locals.t;
    const name = req.params.name;
    const issue = topicNameIssue(name);
    const parsed = parseBrowseQuery(req.query as Record<string, unknown>);
    const errors = Object.entries(parsed.errors).map(([field, m]) => ({ field, message: t(m.key, m.params) }));
    if (issue) errors.unshift({ field: 'name', message: t(`validation.topic.${issue}`) });
    if (errors.length > 0 || !parsed.result) return void res.status(400).json({ errors });
    const started = process.hrtime.bigint();
    try {
      const r = await topics.read({ topic: name, ...parsed.result });
      res.set('Server-Timing', `kafka;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)}`);
      res.json({
        topic: r.topic,
        partitions: r.partitions,
        direction: r.direction,
        messages: r.messages.map(toApiBrowsed),
        older: r.older ? encodeCursor(r.older) : null,
        newer: encodeCursor(r.newer),
        hasNewer: r.hasNewer,
        truncated: r.truncated,
        bytesRead: r.bytesRead,
        // The live tail's rows, exactly as the page renders them (in the caller's language).
        ...(req.query.rows === '1' ? { rows: r.messages.map((m) => toBrowseRow(m, r.topic, t)) } : {}),
      });
    } catch (err) {
      failed(res, err, next);
    }
  });

  return router;
}
