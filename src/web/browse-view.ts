import type { RawRecord } from '../kafka/gateway/index.js';
import { formatBytes, spacedHex, decodeText } from '../messages/record-format.js';
import type { Translate } from '../i18n/index.js';

/** Page cell budget, as on the Consume page: the API returns values whole. */
export const BROWSE_PREVIEW_CHARS = 2000;

export interface ApiBrowsedMessage {
  partition: number;
  offset: string;
  /** ISO 8601; null when the record carries no timestamp (-1). */
  timestamp: string | null;
  key: string | null;
  keyFormat: 'null' | 'text' | 'json' | 'binary';
  value: string | null;
  valueFormat: 'null' | 'text' | 'json' | 'binary';
  /** Text values; bytes that are not UTF-8 text as hex. A repeated name gives an array. */
  headers: Record<string, string | null | Array<string | null>>;
  size: number;
}

const iso = (ms: number): string | null => (Number.isFinite(ms) && ms >= 0 && ms <= 8.64e15 ? new Date(ms).toISOString() : null);

export function toApiBrowsed(r: RawRecord): ApiBrowsedMessage {
  const key = formatBytes(r.key);
  const value = formatBytes(r.value);
  // Header names are user data: a null-prototype object keeps "__proto__" an ordinary name.
  const headers: ApiBrowsedMessage['headers'] = Object.create(null);
  for (const [name, raw] of r.headers) {
    const v = raw === null ? null : (decodeText(raw) ?? raw.toString('hex'));
    const prev = headers[name];
    headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return {
    partition: r.partition,
    offset: r.offset.toString(),
    timestamp: iso(r.timestamp),
    key: key.text,
    keyFormat: key.format,
    value: value.text,
    valueFormat: value.format,
    headers,
    size: r.size,
  };
}

/**
 * One key, value or header cell of the topic browser as views/partials/browse-cell.ejs shows it:
 * what is shown (pretty JSON, text or spaced hex, cut to the cell's budget), the format badge and
 * the "cut" note, already translated. Raw text: escaping is the template's job.
 */
export interface BrowseCell {
  /** null for a null key, value or header. */
  shown: string | null;
  /** The badge, for JSON and binary only: plain text needs none. */
  format: 'json' | 'binary' | null;
  formatLabel: string | null;
  note: string | null;
}

/**
 * One row of /topics/:name. The page renders these on the server, and the JSON API adds the
 * same objects with ?rows=1 for the live tail, which fills the row partial's <template> with
 * them (views/partials/browse-row.ejs); no formatting happens in the browser.
 */
export interface BrowseRow {
  partition: string;
  offset: string;
  timestamp: string | null;
  timestampText: string | null;
  key: BrowseCell;
  value: BrowseCell;
  headers: Array<{ name: string; value: BrowseCell }>;
  againHref: string;
}

function cell(buf: Buffer | null, maxChars: number, t: Translate): BrowseCell {
  const f = formatBytes(buf, { pretty: true, maxChars });
  const format = f.format === 'json' || f.format === 'binary' ? f.format : null;
  return {
    shown: f.text === null ? null : f.format === 'binary' ? spacedHex(f.text) : f.text,
    format,
    formatLabel: format && t(`topics.format.${format}`),
    note: f.truncated ? t('consume.truncated', { bytes: f.bytes }) : null,
  };
}

export function toBrowseRow(r: RawRecord, topic: string, t: Translate): BrowseRow {
  const timestamp = iso(r.timestamp);
  const offset = r.offset.toString();
  return {
    partition: String(r.partition),
    offset,
    timestamp,
    timestampText: timestamp && timestamp.replace('T', ' ').replace('Z', ' UTC'),
    key: cell(r.key, 500, t),
    value: cell(r.value, BROWSE_PREVIEW_CHARS, t),
    headers: r.headers.map(([name, v]) => ({ name, value: cell(v, 500, t) })),
    againHref: `/produce?topic=${encodeURIComponent(topic)}&again=${r.partition}-${offset}`,
  };
}
