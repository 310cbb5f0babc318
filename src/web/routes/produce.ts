import { Router, type Request, type Response } from 'express';
import { validationResult } from 'express-validator';
import type { AppDependencies } from '../types.js';
import { firstErrorPerField, messageRules } from '../validation/message-rules.js';
import { setFlash } from '../middleware/flash.js';
import type { Translate } from '../../i18n/index.js';

type FormValues = {
  topic: string;
  key: string;
  message: string;
};

const asText = (v: unknown): string => (typeof v === 'string' ? v : '');

export function produceRoutes(deps: AppDependencies): Router {
  const router = Router();
  const { config } = deps;
  const secure = config.http.secureCookies;
  const rules = messageRules({ maxBytes: config.messages.maxBytes, maxKeyBytes: config.messages.maxKeyBytes, valueField: 'message', topicOptional: false });

  const render = (res: Response, values: FormValues, errors: Record<string, string>) =>
    res.render('produce', { values, errors, maxBytes: config.messages.maxBytes });

  router.get('/produce', (_req, res) => {
    const restored = res.locals.flash?.values;
    render(
      res,
      {
        topic: restored?.topic ?? config.kafka.topic,
        key: restored?.key ?? '',
        message: restored?.message ?? '',
      },
      {},
    );
  });

  router.post('/produce', ...rules, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const values: FormValues = { topic: asText(body.topic), key: asText(body.key), message: asText(body.message) };
    const result = validationResult(req);
    if (!result.isEmpty()) {
      const t: Translate = res.locals.t;
      const errors: Record<string, string> = {};
      for (const e of firstErrorPerField(result.array())) errors[e.field] = t(e.message.key, e.message.params);
      res.status(400);
      render(res, values, errors);
      return;
    }

    const sent = await deps.producer.send({ topic: values.topic, key: values.key, value: values.message });
    if (sent.ok) {
      setFlash(
        res,
        {
          kind: 'success',
          key: 'produce.sent',
          params: { topic: sent.record.topic, partition: sent.record.partition, offset: sent.record.offset },
          link: { href: '/consume', key: 'produce.viewConsumed' },
          // Keep the topic so the next message goes to the same place; clear the text.
          values: { topic: values.topic, key: '', message: '' },
        },
        secure,
      );
    } else {
      const { kind, message } = sent.error;
      setFlash(
        res,
        {
          kind: 'danger',
          key: 'produce.failed',
          reason: { key: `produce.error.${kind}`, params: { detail: message } },
          detail: message,
          values,
        },
        secure,
      );
    }
    res.redirect(303, '/produce');
  });

  return router;
}
