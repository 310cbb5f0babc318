import type { StoredMessage } from '../messages/store.js';
import type { Translate } from '../i18n/index.js';
import { kafkaTime } from './message-json.js';

/** Values longer than this are cut on the page; 100 × 1 MB would make an unusable table. */
export const PREVIEW_CHARS = 2000;

/**
 * One row of the Consume table, exactly as views/partials/message-row.ejs shows it. The page
 * renders these on the server and the live stream sends the same objects to the page's script,
 * which fills the partial's <template> with them; so no formatting, cutting or translating
 * happens in the browser, and the two kinds of row cannot drift apart. Strings are raw text:
 * escaping is the template's (or textContent's) job, never the mapper's.
 */
export interface MessageRow {
  undecodable: boolean;
  /** ISO 8601, for the datetime attribute; receivedAtText is what is shown. */
  receivedAt: string;
  receivedAtText: string;
  /** The record's Kafka timestamp, null when it has none. */
  timestamp: string | null;
  timestampText: string | null;
  topic: string;
  partition: string;
  /** Cut to PREVIEW_CHARS; keyNote then says how long it was. */
  key: string | null;
  keyNote: string | null;
  value: string | null;
  valueNote: string | null;
  /** Why the record could not be read (undecodable rows only; their key and value are null). */
  undecodableDetail: string | null;
  /** One shape for headers everywhere: name/value pairs in record order. */
  headers: Array<{ name: string; value: string }>;
  offset: string;
  group: string;
  instance: string;
}

const shownTime = (iso: string): string => iso.replace('T', ' ').replace('Z', ' UTC');

/** Keys come from any producer, not only our capped form, so they are cut like values. */
function preview(text: string | null, t: Translate): { text: string | null; note: string | null } {
  if (text === null || text.length <= PREVIEW_CHARS) return { text, note: null };
  return { text: text.slice(0, PREVIEW_CHARS), note: t('consume.truncated', { bytes: Buffer.byteLength(text, 'utf8') }) };
}

export function toMessageRow(m: StoredMessage, t: Translate): MessageRow {
  const receivedAt = m.receivedAt.toISOString();
  const timestamp = kafkaTime(m.timestamp);
  const key = preview(m.key, t);
  const value = preview(m.value, t);
  const u = m.undecodable;
  return {
    undecodable: u !== undefined,
    receivedAt,
    receivedAtText: shownTime(receivedAt),
    timestamp,
    timestampText: timestamp === null ? null : shownTime(timestamp),
    topic: m.topic,
    partition: String(m.partition),
    key: key.text,
    keyNote: key.note,
    value: value.text,
    valueNote: value.note,
    undecodableDetail: u ? t('consume.undecodableDetail', { first: u.firstOffset, last: u.lastOffset, records: u.records, reason: u.reason }) : null,
    headers: Object.entries(m.headers ?? {}).map(([name, v]) => ({ name, value: v })),
    offset: m.offset,
    group: m.group,
    instance: m.instance,
  };
}
