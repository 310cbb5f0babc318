import { Router, type Request, type Response } from 'express';
import type { AppDependencies } from '../types.js';
import { messageErrors, messageRules } from '../validation/message-rules.js';
import { setFlash, type Flash } from '../middleware/flash.js';
import type { Translate } from '../../i18n/index.js';
import { headerObject, MAX_BURST, parseProduceExtras } from '../validation/produce-extras.js';
import { checkExtras, partitionSummary, runBurst } from '../produce-options.js';
import { decodeText } from '../../messages/record-format.js';

type FormValues = {
  topic: string;
  key: string;
  message: string;
  headers: Array<{ name: string; value: string }>;
  partition: string;
  count: string;
  keyMode: string;
};

const asText = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Empty rows to offer beyond the filled ones (no JavaScript needed to add a header). */
const SPARE_HEADER_ROWS = 2;

export function produceRoutes(deps: AppDependencies): Router {
  const router = Router();
  const { config } = deps;
  const secure = config.http.secureCookies;
  const rules = messageRules({ maxBytes: config.messages.maxBytes, maxKeyBytes: config.messages.maxKeyBytes, valueField: 'message', topicOptional: false });

  const render = (res: Response, values: FormValues, errors: Record<string, string>, again?: Flash) => {
    const rows = [...values.headers.filter((h) => h.name !== '' || h.value !== '')];
    for (let i = 0; i < SPARE_HEADER_ROWS || rows.length < 3; i++) rows.push({ name: '', value: '' });
    res.render('produce', { values: { ...values, headers: rows }, errors, maxBytes: config.messages.maxBytes, maxBurst: MAX_BURST, again });
  };

  /** "Produce again" from the topic browser: the record's text key, value, headers and partition. */
  const fromRecord = async (topic: string, again: string): Promise<{ values?: Partial<FormValues>; note: Flash } | undefined> => {
    const m = /^(\d{1,9})-(\d{1,19})$/.exec(again);
    if (!m || !deps.topics) return undefined;
    const partition = Number(m[1]);
    const offset = m[2]!;
    const missing: Flash = { kind: 'danger', key: 'produce.againMissing', params: { topic, partition, offset } };
    try {
      const r = await deps.topics.read({ topic, partition, from: { kind: 'offset', offset: BigInt(offset) }, limit: 1, maxBytes: config.messages.maxBytes + 64 * 1024 });
      const rec = r.messages[0];
      if (!rec || rec.offset.toString() !== offset) return { note: missing };
      const text = (b: Buffer | null) => (b === null ? '' : (decodeText(b) ?? ''));
      return {
        values: {
          key: text(rec.key),
          message: text(rec.value),
          headers: rec.headers.map(([name, v]) => ({ name, value: text(v) })),
          partition: String(partition),
        },
        note: { kind: 'success', key: 'produce.againNote', params: { topic, partition, offset } },
      };
    } catch {
      return { note: missing };
    }
  };

  router.get('/produce', async (req, res, next) => {
    try {
      const restored = res.locals.flash?.values;
      const values: FormValues = {
        topic: restored?.topic ?? config.kafka.topic,
        key: restored?.key ?? '',
        message: restored?.message ?? '',
        headers: restored?.headers ? (JSON.parse(restored.headers) as FormValues['headers']) : [],
        partition: restored?.partition ?? '',
        count: restored?.count ?? '1',
        keyMode: restored?.keyMode ?? 'prefix',
      };
      let again: Flash | undefined;
      const topic = asText(req.query.topic);
      if (!restored && topic) {
        values.topic = topic;
        const found = typeof req.query.again === 'string' ? await fromRecord(topic, req.query.again) : undefined;
        if (found) {
          Object.assign(values, found.values ?? {});
          again = found.note;
        }
      }
      render(res, values, {}, again);
    } catch (err) {
      next(err);
    }
  });

  router.post('/produce', rules, async (req: Request, res: Response, next) => {
    try {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const extras = parseProduceExtras(body, 'form');
      const values: FormValues = {
        topic: asText(body.topic),
        key: asText(body.key),
        message: asText(body.message),
        headers: extras.values.headers,
        partition: extras.values.partition,
        count: extras.values.count,
        keyMode: extras.values.keyMode,
      };
      const t: Translate = res.locals.t;
      const errors: Record<string, string> = {};
      for (const e of messageErrors(req)) errors[e.field] = t(e.message.key, e.message.params);
      for (const [f, m] of Object.entries(extras.errors)) errors[f] ??= t(m.key, m.params);
      if (Object.keys(errors).length === 0 && extras.result) {
        const more = await checkExtras(deps, values.topic.trim(), values.key, values.message, extras.result);
        for (const [f, m] of Object.entries(more)) errors[f] = t(m.key, m.params);
      }
      if (Object.keys(errors).length > 0 || !extras.result) {
        res.status(400);
        render(res, values, errors);
        return;
      }
      const x = extras.result;
      const topic = values.topic.trim();
      const headers = headerObject(x.headers);
      // Keep topic, partition and the burst settings for the next send; clear the texts.
      const keep = { topic: values.topic, key: '', message: '', headers: '[]', partition: values.partition, count: values.count, keyMode: values.keyMode };
      const restore = { ...keep, key: values.key, message: values.message, headers: JSON.stringify(x.headers) };

      if (x.count > 1) {
        const r = await runBurst(deps, topic, values.key, values.message, x, headers);
        const flash: Flash =
          r.failed === 0
            ? { kind: 'success', key: 'produce.burstSent', params: { sent: r.sent, topic, partitions: partitionSummary(t, r) }, link: { href: `/topics/${encodeURIComponent(topic)}`, key: 'produce.viewTopic' }, values: keep }
            : {
                kind: 'danger',
                key: 'produce.burstFailed',
                params: { failed: r.failed, count: x.count },
                reason: { key: `produce.error.${r.firstError?.kind ?? 'unavailable'}` as 'produce.error.unavailable', params: { detail: r.firstError?.message ?? '' } },
                detail: r.firstError?.message,
                values: restore,
              };
        setFlash(res, flash, secure);
        res.redirect(303, '/produce');
        return;
      }

      const sent = await deps.producer.send({ topic, key: values.key, value: values.message, headers, partition: x.partition });
      if (sent.ok) {
        setFlash(
          res,
          {
            kind: 'success',
            key: 'produce.sent',
            params: { topic: sent.record.topic, partition: sent.record.partition, offset: sent.record.offset },
            link: { href: '/consume', key: 'produce.viewConsumed' },
            values: keep,
          },
          secure,
        );
      } else {
        const { kind, message } = sent.error;
        setFlash(res, { kind: 'danger', key: 'produce.failed', reason: { key: `produce.error.${kind}`, params: { detail: message } }, detail: message, values: restore }, secure);
      }
      res.redirect(303, '/produce');
    } catch (err) {
      next(err);
    }
  });

  return router;
}
