import type { RawRecord } from '../kafka/gateway/index.js';
import { formatBytes, spacedHex, decodeText, type Formatted } from '../messages/record-format.js';

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

export interface ViewCell extends Formatted {
  /** What the page shows: pretty JSON, text, or spaced hex. */
  shown: string | null;
}

export interface BrowseRow {
  partition: number;
  offset: string;
  timestamp: string | null;
  key: ViewCell;
  value: ViewCell;
  headers: Array<{ name: string; value: ViewCell }>;
  size: number;
}

function cell(buf: Buffer | null, maxChars: number): ViewCell {
  const f = formatBytes(buf, { pretty: true, maxChars });
  return { ...f, shown: f.text === null ? null : f.format === 'binary' ? spacedHex(f.text) : f.text };
}

export function toBrowseRow(r: RawRecord): BrowseRow {
  return {
    partition: r.partition,
    offset: r.offset.toString(),
    timestamp: iso(r.timestamp),
    key: cell(r.key, 500),
    value: cell(r.value, BROWSE_PREVIEW_CHARS),
    headers: r.headers.map(([name, v]) => ({ name, value: cell(v, 500) })),
    size: r.size,
  };
}
