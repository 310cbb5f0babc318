import { Router, type Request, type Response } from 'express';
import { validationResult } from 'express-validator';
import type { AppDependencies } from '../types.js';
import { firstErrorPerField, messageRules } from '../validation/message-rules.js';
import type { Translate } from '../../i18n/index.js';
import { toApiMessage } from '../message-json.js';

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

  router.post('/messages', requireJsonObject, ...rules, async (req: Request, res: Response) => {
    const t: Translate = res.locals.t;
    const result = validationResult(req);
    if (!result.isEmpty()) {
      res.status(400).json({
        errors: firstErrorPerField(result.array()).map((e) => ({ field: e.field, message: t(e.message.key, e.message.params) })),
      });
      return;
    }
    const body = req.body as { topic?: string; key?: string | null; value: string };
    const sent = await deps.producer.send({ topic: body.topic ?? config.kafka.topic, key: body.key ?? undefined, value: body.value });
    if (sent.ok) {
      res.status(201).json(sent.record);
      return;
    }
    const { kind, message } = sent.error;
    const status = kind === 'too_large' ? 413 : kind === 'rejected' ? 502 : 503;
    if (status === 503) res.set('Retry-After', '5');
    res.status(status).json({ error: kind, message });
  });

  return router;
}
