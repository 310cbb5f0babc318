import type { MessageKey, Params } from '../../i18n/index.js';
import type { RuleMessage } from './message-rules.js';
import { HEADER_LIMITS } from '../../kafka/producer-service.js';

/**
 * The produce options beyond topic/key/value, shared by the form and POST /api/messages:
 * record headers, an explicit partition and a burst ("send N messages"). Pure parsing; the
 * partition's upper bound needs the topic's metadata and is checked by the route.
 */
// The producer service's caps, so the form and the API answer with a field error before the
// producer would refuse the message.
export const MAX_HEADERS = HEADER_LIMITS.count;
export const MAX_HEADER_NAME_BYTES = HEADER_LIMITS.nameBytes;
export const MAX_HEADER_VALUE_BYTES = HEADER_LIMITS.valueBytes;
export const MAX_BURST = 10_000;
/** A burst holds every message's bytes once, so its total is bounded too. */
export const MAX_BURST_BYTES = 64 * 1024 * 1024;
export const MAX_PARTITION = 99_999;

export type KeyMode = 'prefix' | 'random';

export interface ProduceExtras {
  headers: Array<{ name: string; value: string }>;
  partition: number | undefined;
  count: number;
  keyMode: KeyMode;
}

export interface ParsedExtras {
  /** As typed, for the form: header rows, partition, count, key mode. */
  values: { headers: Array<{ name: string; value: string }>; partition: string; count: string; keyMode: string };
  errors: Record<string, RuleMessage>;
  result?: ProduceExtras;
}

const msg = (key: MessageKey, params?: Params): RuleMessage => ({ key, params });
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : '')) : typeof v === 'string' ? [v] : []);
const asText = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : '');

/**
 * `form`: header rows arrive as repeated `headerName`/`headerValue` fields. JSON: `headers` is an
 * object `{ name: value }`. Either way a row with neither name nor value is ignored.
 */
export function parseProduceExtras(body: unknown, source: 'form' | 'json'): ParsedExtras {
  const b = (body ?? {}) as Record<string, unknown>;
  const errors: Record<string, RuleMessage> = {};
  let rows: Array<{ name: string; value: string }> = [];
  if (source === 'form') {
    const names = list(b.headerName);
    const vals = list(b.headerValue);
    for (let i = 0; i < Math.max(names.length, vals.length); i++) rows.push({ name: names[i] ?? '', value: vals[i] ?? '' });
  } else if (b.headers !== undefined && b.headers !== null) {
    if (typeof b.headers !== 'object' || Array.isArray(b.headers) || Object.values(b.headers as object).some((v) => typeof v !== 'string')) {
      errors.headers = msg('validation.headers.type');
    } else rows = Object.entries(b.headers as Record<string, string>).map(([name, value]) => ({ name, value }));
  }
  const values = { headers: rows, partition: asText(b.partition), count: asText(b.count), keyMode: asText(b.keyMode) || 'prefix' };

  const headers = rows.filter((r) => r.name !== '' || r.value !== '');
  if (!errors.headers) {
    const long = headers.find((h) => Buffer.byteLength(h.value) > MAX_HEADER_VALUE_BYTES);
    if (headers.length > MAX_HEADERS) errors.headers = msg('validation.headers.tooMany', { max: MAX_HEADERS });
    else if (headers.some((h) => h.name.trim() === '')) errors.headers = msg('validation.headers.name');
    else if (headers.some((h) => Buffer.byteLength(h.name) > MAX_HEADER_NAME_BYTES)) errors.headers = msg('validation.headers.nameTooLong', { max: MAX_HEADER_NAME_BYTES });
    else if (long) errors.headers = msg('validation.headers.tooLarge', { name: long.name.slice(0, 64), max: MAX_HEADER_VALUE_BYTES, actual: Buffer.byteLength(long.value) });
  }

  let partition: number | undefined;
  if (values.partition !== '' && values.partition !== 'auto') {
    if (/^\d{1,5}$/.test(values.partition) && Number(values.partition) <= MAX_PARTITION) partition = Number(values.partition);
    else errors.partition = msg('validation.partition.number');
  }

  let count = 1;
  if (values.count !== '') {
    const n = /^\d{1,5}$/.test(values.count) ? Number(values.count) : NaN;
    if (n >= 1 && n <= MAX_BURST) count = n;
    else errors.count = msg('validation.count.range', { max: MAX_BURST });
  }

  if (values.keyMode !== 'prefix' && values.keyMode !== 'random') errors.keyMode = msg('validation.keyMode');

  if (Object.keys(errors).length > 0) return { values, errors };
  return { values, errors, result: { headers, partition, count, keyMode: values.keyMode as KeyMode } };
}

/** Bytes a burst would hold: every message's key, value and headers. */
export function burstBytes(count: number, key: string, value: string, headers: Array<{ name: string; value: string }>): number {
  let one = Buffer.byteLength(value) + Buffer.byteLength(key) + 8;
  for (const h of headers) one += Buffer.byteLength(h.name) + Buffer.byteLength(h.value);
  return one * count;
}

export function headerObject(headers: Array<{ name: string; value: string }>): Record<string, string> | undefined {
  if (headers.length === 0) return undefined;
  // Repeated names keep the last value: kafkajs takes headers as an object.
  const out: Record<string, string> = Object.create(null);
  for (const h of headers) out[h.name] = h.value;
  return out;
}
