import { Router, type Request, type Response } from 'express';
import type { AppDependencies } from '../types.js';
import { messageErrors, messageRules } from '../validation/message-rules.js';
import type { Translate } from '../../i18n/index.js';
import { toApiMessage } from '../message-json.js';
import { headerObject, parseProduceExtras } from '../validation/produce-extras.js';
import { checkExtras, runBurst } from '../produce-options.js';

/**
 * JSON API. It accepts application/json only: that content type is what exempts it from CSRF
 * checks (see middleware/csrf.ts), so anything else is refused with 415 rather than parsed.
 */
export function apiMessageRoutes(deps: AppDependencies): Router {
  const router = Router();
  const { config } = deps;
  const rules = messageRules({ maxBytes: config.messages.maxBytes, maxKeyBytes: config.messages.maxKeyBytes, valueField: 'value', topicOptional: true });

  router.get('/messages', (_req, res) => {
    res.json({ messages: deps.store.newestFirst().map(toApiMessage) });
  });

  // Server-Sent Events: one `message` event per consumed message, same JSON as above.
  router.get('/messages/stream', deps.streams.handler());

  const requireJsonObject = (req: Request, res: Response, next: () => void) => {
    const t: Translate = res.locals.t;
    if (req.is('application/json') !== 'application/json') {
      res.status(415).json({ errors: [{ field: 'body', message: 'Content-Type must be application/json' }] });
      return;
    }
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
      res.status(400).json({ errors: [{ field: 'body', message: t('validation.body.invalid') }] });
      return;
    }
    next();
  };

  router.post('/messages', requireJsonObject, rules, async (req: Request, res: Response, next) => {
    try {
      const t: Translate = res.locals.t;
      const extras = parseProduceExtras(req.body, 'json');
      const errors = messageErrors(req).map((e) => ({ field: e.field, message: t(e.message.key, e.message.params) }));
      for (const [field, m] of Object.entries(extras.errors)) if (!errors.some((e) => e.field === field)) errors.push({ field, message: t(m.key, m.params) });
      const body = req.body as { topic?: string; key?: string | null; value: string };
      const topic = body.topic ?? config.kafka.topic;
      if (errors.length === 0 && extras.result) {
        for (const [field, m] of Object.entries(await checkExtras(deps, topic, body.key ?? '', body.value, extras.result))) errors.push({ field, message: t(m.key, m.params) });
      }
      if (errors.length > 0 || !extras.result) {
        res.status(400).json({ errors });
        return;
      }
      const x = extras.result;
      const headers = headerObject(x.headers);
      if (x.count > 1) {
        const r = await runBurst(deps, topic, body.key ?? '', body.value, x, headers);
        if (r.sent === 0 && r.firstError) return void failure(res, r.firstError.kind, r.firstError.message);
        res.status(201).json({ topic, count: x.count, sent: r.sent, failed: r.failed, partitions: r.partitions, error: r.firstError ?? null });
        return;
      }
      const sent = await deps.producer.send({ topic, key: body.key ?? undefined, value: body.value, headers, partition: x.partition });
      if (sent.ok) {
        res.status(201).json(sent.record);
        return;
      }
      failure(res, sent.error.kind, sent.error.message);
    } catch (err) {
      next(err);
    }
  });

  return router;
}

function failure(res: Response, kind: string, message: string): void {
  const status = kind === 'too_large' ? 413 : kind === 'rejected' ? 502 : 503;
  if (status === 503) res.set('Retry-After', '5');
  res.status(status).json({ error: kind, message });
}
