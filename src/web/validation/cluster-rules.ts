import { FAILURE_MODES, type FailureMode } from '../../config.js';
import type { ResetTarget } from '../../kafka/admin-service.js';
import { topicNameIssue } from '../../messages/topic-name.js';
import type { MessageKey, Params } from '../../i18n/index.js';
import type { RuleMessage } from './message-rules.js';

/**
 * Parsers for the /cluster forms. Each returns the submitted values (to re-render the form),
 * field errors as i18n keys, and the typed result when there are none. Pure, so they are
 * unit-tested without a server.
 */
export interface Parsed<T> {
  values: Record<string, string>;
  errors: Record<string, RuleMessage>;
  result?: T;
}

export const MAX_NEW_PARTITIONS = 1000;
export const MAX_PARTITION_COUNT = 10_000;
export const MAX_GROUP_ID_LENGTH = 255;
export const MAX_AFTER_MESSAGES = 1_000_000;
export const MAX_STALL_MS = 3_600_000;
const INT64_MAX = (1n << 63n) - 1n;

const msg = (key: MessageKey, params?: Params): RuleMessage => ({ key, params });
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function pick(body: unknown, fields: string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, text(b[f]).trim()]));
}

function finish<T>(values: Record<string, string>, errors: Record<string, RuleMessage>, build: () => T): Parsed<T> {
  return Object.keys(errors).length > 0 ? { values, errors } : { values, errors, result: build() };
}

function topicError(topic: string): RuleMessage | undefined {
  const issue = topicNameIssue(topic);
  return issue ? msg(`validation.topic.${issue}`) : undefined;
}

/** Kafka accepts any group id string; we refuse only empty, very long, or control characters. */
export function groupIdError(group: string): RuleMessage | undefined {
  if (group.length === 0) return msg('validation.group.required');
  if (group.length > MAX_GROUP_ID_LENGTH) return msg('validation.group.tooLong', { max: MAX_GROUP_ID_LENGTH });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(group)) return msg('validation.group.chars');
  return undefined;
}

function intIn(raw: string, min: number, max: number): number | undefined {
  if (!/^\d{1,9}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

export function parseCreateTopic(body: unknown): Parsed<{ topic: string; partitions: number }> {
  const values = pick(body, ['topic', 'partitions']);
  const errors: Record<string, RuleMessage> = {};
  const t = topicError(values.topic!);
  if (t) errors.topic = t;
  const partitions = intIn(values.partitions!, 1, MAX_NEW_PARTITIONS);
  if (partitions === undefined) errors.partitions = msg('validation.partitions.range', { min: 1, max: MAX_NEW_PARTITIONS });
  return finish(values, errors, () => ({ topic: values.topic!, partitions: partitions! }));
}

export function parseAddPartitions(body: unknown): Parsed<{ topic: string; count: number }> {
  const values = pick(body, ['topic', 'count']);
  const errors: Record<string, RuleMessage> = {};
  const t = topicError(values.topic!);
  if (t) errors.topic = t;
  const count = intIn(values.count!, 2, MAX_PARTITION_COUNT);
  if (count === undefined) errors.count = msg('validation.partitions.range', { min: 2, max: MAX_PARTITION_COUNT });
  return finish(values, errors, () => ({ topic: values.topic!, count: count! }));
}

/** Epoch milliseconds, or an ISO 8601 date-time with an explicit zone (the server's zone is not the user's). */
export function parseTimestamp(raw: string): number | undefined {
  if (/^\d{1,15}$/.test(raw)) return Number(raw);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) || ms < 0 ? undefined : ms;
}

export const RESET_KINDS = ['earliest', 'latest', 'timestamp', 'offset'] as const;

export function parseReset(body: unknown): Parsed<{ group: string; topic: string; target: ResetTarget }> {
  const values = pick(body, ['group', 'topic', 'to', 'timestamp', 'offset', 'partition']);
  const errors: Record<string, RuleMessage> = {};
  const g = groupIdError(values.group!);
  if (g) errors.group = g;
  const t = topicError(values.topic!);
  if (t) errors.topic = t;
  const to = values.to as (typeof RESET_KINDS)[number];
  let target: ResetTarget | undefined;
  if (!(RESET_KINDS as readonly string[]).includes(to)) {
    errors.to = msg('validation.reset.to');
  } else if (to === 'timestamp') {
    const ts = parseTimestamp(values.timestamp!);
    if (ts === undefined) errors.timestamp = msg('validation.reset.timestamp');
    else target = { kind: 'timestamp', timestamp: ts };
  } else if (to === 'offset') {
    const raw = values.offset!;
    const offset = /^\d{1,19}$/.test(raw) ? BigInt(raw) : undefined;
    if (offset === undefined || offset > INT64_MAX) errors.offset = msg('validation.reset.offset');
    let partition: number | undefined;
    if (values.partition !== '') {
      partition = intIn(values.partition!, 0, MAX_PARTITION_COUNT - 1);
      if (partition === undefined) errors.partition = msg('validation.reset.partition');
    }
    if (offset !== undefined) target = { kind: 'offset', offset, partition };
  } else {
    target = { kind: to };
  }
  return finish(values, errors, () => ({ group: values.group!, topic: values.topic!, target: target! }));
}

export function parseGroup(body: unknown): Parsed<{ group: string }> {
  const values = pick(body, ['group']);
  const errors: Record<string, RuleMessage> = {};
  const g = groupIdError(values.group!);
  if (g) errors.group = g;
  return finish(values, errors, () => ({ group: values.group! }));
}

export function parseFailure(body: unknown): Parsed<{ mode: FailureMode; afterMessages: number; stallMs: number | undefined }> {
  const values = pick(body, ['mode', 'afterMessages', 'stallMs']);
  const errors: Record<string, RuleMessage> = {};
  const mode = values.mode as FailureMode;
  if (!(FAILURE_MODES as readonly string[]).includes(mode)) errors.mode = msg('validation.failure.mode');
  const after = intIn(values.afterMessages!, 1, MAX_AFTER_MESSAGES);
  if (after === undefined) errors.afterMessages = msg('validation.failure.after', { max: MAX_AFTER_MESSAGES });
  let stallMs: number | undefined;
  if (values.stallMs !== '') {
    stallMs = intIn(values.stallMs!, 1, MAX_STALL_MS);
    if (stallMs === undefined) errors.stallMs = msg('validation.failure.stallMs', { max: MAX_STALL_MS });
  }
  return finish(values, errors, () => ({ mode, afterMessages: after!, stallMs }));
}
