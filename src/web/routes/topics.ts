import { Router, type Response } from 'express';
import type { AppDependencies } from '../types.js';
import type { Translate } from '../../i18n/index.js';
import { BrowseError, encodeCursor, MAX_LIMIT, type ReadResult, type TopicSummary } from '../../kafka/topic-browser.js';
import { topicNameIssue } from '../../messages/topic-name.js';
import { parseBrowseQuery } from '../validation/browse-rules.js';
import { toBrowseRow } from '../browse-view.js';

/**
 * The topic browser pages: /topics (every topic with its partitions and offsets) and
 * /topics/:name (its messages, newest first or from a start point, one partition or all, paged
 * with per-partition cursors). The filter form is a GET form, so every view is a link.
 */
export function topicRoutes(deps: AppDependencies): Router {
  const router = Router();
  const topics = deps.topics;
  if (!topics) return router;

  router.get(
    '/topics',
    async (_req, res) => {
      let list: TopicSummary[] | undefined;
      let loadError: string | undefined;
      try {
        list = await topics.listTopics();
      } catch (err) {
        if (!(err instanceof BrowseError)) throw err;
        loadError = err.message;
      }
      res.status(loadError ? 503 : 200).render('topics', { topics: list, loadError });
    },
  );

  router.get(
    '/topics/:name',
    async (req, res) => {
      const t: Translate = res.locals.t;
      const name = req.params.name as string;
      const parsed = parseBrowseQuery(req.query as Record<string, unknown>);
      const errors: Record<string, string> = Object.fromEntries(Object.entries(parsed.errors).map(([f, m]) => [f, t(m.key, m.params)]));
      const issue = topicNameIssue(name);
      const live = req.query.live === '1';
      const base = { name, values: parsed.values, errors, maxLimit: MAX_LIMIT, live, result: undefined as ReadResult | undefined, rows: [] as ReturnType<typeof toBrowseRow>[], links: {} as Record<string, string>, loadError: undefined as string | undefined };
      if (issue) {
        res.status(404);
        return renderWithTiming(res, 'topic-missing', { name });
      }
      if (!parsed.result) {
        res.status(400);
        return renderWithTiming(res, 'topic', base);
      }
      const started = process.hrtime.bigint();
      let result: ReadResult;
      try {
        result = await topics.read({ topic: name, ...parsed.result });
      } catch (err) {
        if (!(err instanceof BrowseError)) throw err;
        if (err.kind === 'unknown_topic') {
          res.status(404);
          return renderWithTiming(res, 'topic-missing', { name });
        }
        if (err.kind === 'unknown_partition') {
          res.status(400);
          return renderWithTiming(res, 'topic', { ...base, errors: { ...errors, partition: t('validation.browse.noPartition', err.params) } });
        }
        res.status(503);
        return renderWithTiming(res, 'topic', { ...base, loadError: err.message });
      }
      const kafkaMs = Number(process.hrtime.bigint() - started) / 1e6;
      const q = (extra: Record<string, string>) => {
        const params = new URLSearchParams();
        if (parsed.values.partition) params.set('partition', parsed.values.partition);
        params.set('limit', String(parsed.result!.limit));
        for (const [k, v] of Object.entries(extra)) params.set(k, v);
        return `/topics/${encodeURIComponent(name)}?${params}`;
      };
      const links: Record<string, string> = {
        newest: q({ from: 'end' }),
        oldest: q({ from: 'beginning' }),
        newer: q({ cursor: encodeCursor(result.newer) }),
        live: `${q({ from: 'end' })}&live=1`,
        api: `/api/topics/${encodeURIComponent(name)}/messages`,
      };
      if (result.older) links.older = q({ cursor: encodeCursor(result.older) });
      renderWithTiming(res, 'topic', { ...base, result, rows: result.messages.map((m) => toBrowseRow(m, name, t)), links, newerCursor: encodeCursor(result.newer) }, kafkaMs);
    },
  );

  return router;
}

/** Renders, then answers with a Server-Timing header (Kafka reads and rendering), for the benchmark. */
function renderWithTiming(res: Response, view: string, locals: Record<string, unknown>, kafkaMs?: number): Promise<void> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    res.render(view, locals, (err: Error | null, html?: string) => {
      if (err) return reject(err);
      const renderMs = Number(process.hrtime.bigint() - started) / 1e6;
      res.set('Server-Timing', [kafkaMs !== undefined ? `kafka;dur=${kafkaMs.toFixed(1)}` : '', `render;dur=${renderMs.toFixed(1)}`].filter(Boolean).join(', '));
      res.send(html);
      resolve();
    });
  });
}
