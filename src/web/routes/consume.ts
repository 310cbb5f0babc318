import { Router } from 'express';
import type { AppDependencies } from '../types.js';
import { toApiMessage } from '../message-json.js';

/** Values longer than this are cut on the page; 100 × 1 MB would make an unusable table. */
export const PREVIEW_CHARS = 2000;

export function consumeRoutes(deps: AppDependencies): Router {
  const router = Router();
  router.get('/consume', (_req, res) => {
    const rows = deps.store.newestFirst().map((m) => {
      const value = m.value;
      const truncated = value !== null && value.length > PREVIEW_CHARS;
      // Keys come from any producer, not only our capped form: cut them like values.
      const key = m.key !== null && m.key.length > PREVIEW_CHARS ? m.key.slice(0, PREVIEW_CHARS) : m.key;
      return {
        receivedAt: m.receivedAt.toISOString(),
        timestamp: toApiMessage(m).timestamp,
        headers: Object.entries(m.headers ?? {}),
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        key,
        keyTruncatedBytes: key !== m.key && m.key !== null ? Buffer.byteLength(m.key, 'utf8') : 0,
        undecodable: m.undecodable ?? null,
        value: truncated ? value.slice(0, PREVIEW_CHARS) : value,
        truncatedBytes: truncated ? Buffer.byteLength(value, 'utf8') : 0,
        instance: m.instance,
        group: m.group,
      };
    });
    res.render('consume', {
      rows,
      capacity: deps.config.messages.capacity,
      previewChars: PREVIEW_CHARS,
      consumer: deps.consumer.status(),
    });
  });
  return router;
}
