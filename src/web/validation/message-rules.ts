import type { Request, RequestHandler } from 'express';
import { topicNameIssue } from '../../messages/topic-name.js';
import type { MessageKey, Params } from '../../i18n/index.js';

/** Validation messages are i18n keys, translated when the response is built. */
export interface RuleMessage {
  key: MessageKey;
  params?: Params;
}

export interface MessageRuleOptions {
  /** Largest value in UTF-8 bytes. */
  maxBytes: number;
  /** Largest key in UTF-8 bytes. */
  maxKeyBytes: number;
  /** Body field holding the message text: `message` on the form, `value` in the JSON API. */
  valueField: 'message' | 'value';
  /** The JSON API may omit the topic (the configured one is used); the form always sends it. */
  topicOptional: boolean;
}

export interface FieldError {
  field: string;
  message: RuleMessage;
}

const msg = (key: MessageKey, params?: Params): RuleMessage => ({ key, params });

/**
 * One rule set for the form and the JSON API, so both accept and refuse exactly the same input:
 * the first problem of each field, in field order (topic, key, value). The topic is trimmed in
 * `body` when it is a string, as the form's field is.
 *
 * A plain function rather than express-validator chains (which the other forms use): this runs on
 * every produce request, and there the chains and the lodash path lookups under them were ~8 % of
 * the CPU in the web benchmark's profile.
 */
export function checkMessage(body: Record<string, unknown>, opts: MessageRuleOptions): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, message: RuleMessage) => void errors.push({ field, message });

  const topic = body.topic;
  if (topic === undefined) {
    if (!opts.topicOptional) fail('topic', msg('validation.topic.required'));
  } else if (typeof topic !== 'string') {
    fail('topic', msg('validation.topic.type'));
  } else {
    const trimmed = topic.trim();
    body.topic = trimmed;
    const issue = topicNameIssue(trimmed);
    if (issue) fail('topic', msg(`validation.topic.${issue}`));
  }

  const key = body.key;
  if (key !== undefined && key !== null) {
    if (typeof key !== 'string') fail('key', msg('validation.key.type'));
    else {
      const actual = Buffer.byteLength(key, 'utf8');
      if (actual > opts.maxKeyBytes) fail('key', msg('validation.key.tooLarge', { max: opts.maxKeyBytes, actual }));
    }
  }

  const value = body[opts.valueField];
  if (value === undefined) fail(opts.valueField, msg('validation.message.required'));
  else if (typeof value !== 'string') fail(opts.valueField, msg('validation.message.type'));
  else if (value.trim().length === 0) fail(opts.valueField, msg('validation.message.required'));
  else {
    const actual = Buffer.byteLength(value, 'utf8');
    if (actual > opts.maxBytes) fail(opts.valueField, msg('validation.message.tooLarge', { max: opts.maxBytes, actual }));
  }
  return errors;
}

const RESULT = Symbol('messageErrors');
type Checked = Request & { [RESULT]?: FieldError[] };

/** Middleware form: checks the body and keeps the result for `messageErrors(req)`. */
export function messageRules(opts: MessageRuleOptions): RequestHandler {
  return (req, _res, next) => {
    const body = req.body !== null && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    (req as Checked)[RESULT] = checkMessage(body, opts);
    next();
  };
}

/** What `messageRules` found for this request (nothing if it did not run). */
export function messageErrors(req: Request): FieldError[] {
  return (req as Checked)[RESULT] ?? [];
}
