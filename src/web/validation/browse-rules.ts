import { DEFAULT_LIMIT, MAX_LIMIT, decodeCursor, type Cursor, type ReadFrom } from '../../kafka/topic-browser.js';
import type { MessageKey, Params } from '../../i18n/index.js';
import type { RuleMessage } from './message-rules.js';
import { parseTimestamp } from './cluster-rules.js';

/**
 * Query parameters of the topic browser (page and JSON API share them):
 * `partition` (empty or `all` = every partition), `from` (`end`, `beginning`, `offset:N`,
 * `time:<ISO with zone or epoch ms>`), `limit` (1-500) and `cursor` (from a previous page).
 */
export interface BrowseQuery {
  partition?: number;
  from: ReadFrom;
  limit: number;
  cursor?: Cursor;
}

export interface ParsedBrowse {
  /** What was asked, as text, to fill the form again. */
  values: { partition: string; from: string; offset: string; time: string; limit: string; cursor: string };
  errors: Record<string, RuleMessage>;
  result?: BrowseQuery;
}

const msg = (key: MessageKey, params?: Params): RuleMessage => ({ key, params });
const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const INT64_MAX = (1n << 63n) - 1n;

export function parseBrowseQuery(query: Record<string, unknown>): ParsedBrowse {
  const values = {
    partition: text(query.partition),
    from: text(query.from) || 'end',
    // The page's form sends the offset and time in fields of their own.
    offset: text(query.offset),
    time: text(query.time),
    limit: text(query.limit),
    cursor: text(query.cursor),
  };
  const errors: Record<string, RuleMessage> = {};

  let partition: number | undefined;
  if (values.partition !== '' && values.partition !== 'all') {
    if (/^\d{1,9}$/.test(values.partition)) partition = Number(values.partition);
    else errors.partition = msg('validation.browse.partition');
  }

  let from: ReadFrom | undefined;
  let kind = values.from;
  let arg = '';
  const colon = kind.indexOf(':');
  if (colon >= 0) {
    arg = kind.slice(colon + 1);
    kind = kind.slice(0, colon);
  } else if (kind === 'offset') arg = values.offset;
  else if (kind === 'time') arg = values.time;
  if (kind === 'end' || kind === 'beginning') from = { kind };
  else if (kind === 'offset') {
    if (/^\d{1,19}$/.test(arg) && BigInt(arg) <= INT64_MAX) from = { kind: 'offset', offset: BigInt(arg) };
    else errors.from = msg('validation.browse.offset');
  } else if (kind === 'time') {
    const ts = parseTimestamp(arg);
    if (ts === undefined) errors.from = msg('validation.browse.time');
    else from = { kind: 'time', timestamp: ts };
  } else errors.from = msg('validation.browse.from');

  let limit = DEFAULT_LIMIT;
  if (values.limit !== '') {
    const n = /^\d{1,4}$/.test(values.limit) ? Number(values.limit) : NaN;
    if (n >= 1 && n <= MAX_LIMIT) limit = n;
    else errors.limit = msg('validation.browse.limit', { max: MAX_LIMIT });
  }

  let cursor: Cursor | undefined;
  if (values.cursor !== '') {
    cursor = decodeCursor(values.cursor);
    if (!cursor) errors.cursor = msg('validation.browse.cursor');
  }

  if (Object.keys(errors).length > 0) return { values, errors };
  return { values, errors, result: { partition, from: from!, limit, cursor } };
}

/** The `from` value a query string carries for a parsed start point. */
export function fromParam(from: ReadFrom): string {
  switch (from.kind) {
    case 'end':
    case 'beginning':
      return from.kind;
    case 'offset':
      return `offset:${from.offset}`;
    case 'time':
      return `time:${new Date(from.timestamp).toISOString()}`;
  }
}
