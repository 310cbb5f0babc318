import { body, type ValidationChain } from 'express-validator';
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

const msg = (key: MessageKey, params?: Params): RuleMessage => ({ key, params });

// Custom validators below throw a RuleMessage (not an Error): express-validator stores a thrown
// non-Error value as the field message unchanged, which keeps the key and its parameters.

/** One rule set for the form and the JSON API, so both accept and refuse exactly the same input. */
export function messageRules(opts: MessageRuleOptions): ValidationChain[] {
  const topic = opts.topicOptional
    ? body('topic').optional({ values: 'undefined' })
    : body('topic').exists({ values: 'undefined' }).withMessage(msg('validation.topic.required')).bail();
  return [
    topic
      .isString()
      .withMessage(msg('validation.topic.type'))
      .bail()
      .trim()
      .custom((value: string) => {
        const issue = topicNameIssue(value);
        if (issue) throw msg(`validation.topic.${issue}`);
        return true;
      }),
    body('key')
      .optional({ values: 'null' })
      .isString()
      .withMessage(msg('validation.key.type'))
      .bail()
      .custom((value: string) => {
        const actual = Buffer.byteLength(value, 'utf8');
        if (actual > opts.maxKeyBytes) throw msg('validation.key.tooLarge', { max: opts.maxKeyBytes, actual });
        return true;
      }),
    body(opts.valueField)
      .exists({ values: 'undefined' })
      .withMessage(msg('validation.message.required'))
      .bail()
      .isString()
      .withMessage(msg('validation.message.type'))
      .bail()
      .custom((value: string) => {
        if (value.trim().length === 0) throw msg('validation.message.required');
        const actual = Buffer.byteLength(value, 'utf8');
        if (actual > opts.maxBytes) throw msg('validation.message.tooLarge', { max: opts.maxBytes, actual });
        return true;
      }),
  ];
}

/** Turns whatever express-validator stored as `msg` back into a RuleMessage. */
export function toRuleMessage(raw: unknown): RuleMessage {
  if (raw && typeof raw === 'object' && 'key' in raw) return raw as RuleMessage;
  return { key: 'error.400.body' };
}

export interface FieldError {
  field: string;
  message: RuleMessage;
}

/** First error per field, in rule order; enough for a form and what the API reports. */
export function firstErrorPerField(errors: ReadonlyArray<{ type: string; path?: string; msg: unknown }>): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = e.type === 'field' && e.path ? e.path : 'body';
    if (seen.has(field)) continue;
    seen.add(field);
    out.push({ field, message: toRuleMessage(e.msg) });
  }
  return out;
}
