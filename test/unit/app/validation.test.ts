import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMessage, type MessageRuleOptions } from '../../../src/web/validation/message-rules.js';
import { topicNameIssue } from '../../../src/messages/topic-name.js';

const formRules: MessageRuleOptions = { maxBytes: 10, maxKeyBytes: 8, valueField: 'message', topicOptional: false };
const apiRules: MessageRuleOptions = { maxBytes: 10, maxKeyBytes: 8, valueField: 'value', topicOptional: true };

/** Runs the rules both routes use against a copy of the body. */
async function check(input: Record<string, unknown>, opts = formRules) {
  const body = { ...input };
  const errors = checkMessage(body, opts);
  assert.equal(new Set(errors.map((e) => e.field)).size, errors.length, 'one error per field');
  return { errors: Object.fromEntries(errors.map((e) => [e.field, e.message])), body };
}

test('valid form input passes, topic is trimmed', async () => {
  const { errors, body } = await check({ topic: ' test-topic ', key: '', message: 'hi' });
  assert.deepEqual(errors, {});
  assert.equal(body.topic, 'test-topic');
});

test('topic rules: required, legal characters, length, not . or ..', async () => {
  assert.equal((await check({ message: 'x' })).errors.topic?.key, 'validation.topic.required');
  assert.equal((await check({ topic: '', message: 'x' })).errors.topic?.key, 'validation.topic.required');
  assert.equal((await check({ topic: 'a b', message: 'x' })).errors.topic?.key, 'validation.topic.chars');
  assert.equal((await check({ topic: 'ä', message: 'x' })).errors.topic?.key, 'validation.topic.chars');
  assert.equal((await check({ topic: 'a'.repeat(250), message: 'x' })).errors.topic?.key, 'validation.topic.too_long');
  assert.deepEqual((await check({ topic: 'a'.repeat(249), message: 'x' })).errors, {});
  assert.equal((await check({ topic: '.', message: 'x' })).errors.topic?.key, 'validation.topic.dots');
  assert.equal((await check({ topic: '..', message: 'x' })).errors.topic?.key, 'validation.topic.dots');
  assert.deepEqual((await check({ topic: '...', message: 'x' })).errors, {});
  assert.deepEqual((await check({ topic: 'A.b_c-9', message: 'x' })).errors, {});
});

test('message rules: required, not blank, at most maxBytes UTF-8 bytes', async () => {
  assert.equal((await check({ topic: 't' })).errors.message?.key, 'validation.message.required');
  assert.equal((await check({ topic: 't', message: '   ' })).errors.message?.key, 'validation.message.required');
  assert.deepEqual((await check({ topic: 't', message: 'x'.repeat(10) })).errors, {});
  const tooLong = (await check({ topic: 't', message: 'x'.repeat(11) })).errors.message;
  assert.deepEqual(tooLong, { key: 'validation.message.tooLarge', params: { max: 10, actual: 11 } });
  // Four characters but twelve bytes: the limit is about bytes on the wire, not characters.
  assert.equal((await check({ topic: 't', message: '卡夫卡訊' })).errors.message?.key, 'validation.message.tooLarge');
});

test('API rules: topic optional, value required, types enforced', async () => {
  assert.deepEqual((await check({ value: 'ok' }, apiRules)).errors, {});
  assert.equal((await check({}, apiRules)).errors.value?.key, 'validation.message.required');
  assert.equal((await check({ value: 5 }, apiRules)).errors.value?.key, 'validation.message.type');
  assert.equal((await check({ value: 'ok', topic: 3 }, apiRules)).errors.topic?.key, 'validation.topic.type');
  assert.equal((await check({ value: 'ok', key: {} }, apiRules)).errors.key?.key, 'validation.key.type');
  assert.deepEqual((await check({ value: 'ok', key: null }, apiRules)).errors, {});
  assert.equal((await check({ value: 'ok', topic: '..' }, apiRules)).errors.topic?.key, 'validation.topic.dots');
  // Only an absent topic is optional; null is a wrong type, blank is a missing name.
  assert.equal((await check({ value: 'ok', topic: null }, apiRules)).errors.topic?.key, 'validation.topic.type');
  assert.equal((await check({ value: 'ok', topic: '   ' }, apiRules)).errors.topic?.key, 'validation.topic.required');
  assert.equal((await check({ value: ['a'] }, apiRules)).errors.value?.key, 'validation.message.type');
});

test('every invalid field is reported, one message each', async () => {
  const { errors } = await check({ topic: 'bad topic', message: '' });
  assert.deepEqual(Object.keys(errors).sort(), ['message', 'topic']);
});

test('topicNameIssue matches Kafka rules', () => {
  assert.equal(topicNameIssue('ok'), undefined);
  assert.equal(topicNameIssue(''), 'required');
  assert.equal(topicNameIssue('x/y'), 'chars');
});

test('key rules: at most maxKeyBytes UTF-8 bytes, counted in bytes, in the form and the API alike', async () => {
  assert.deepEqual((await check({ topic: 't', key: 'k'.repeat(8), message: 'x' })).errors, {});
  const long = (await check({ topic: 't', key: 'k'.repeat(9), message: 'x' })).errors.key;
  assert.deepEqual(long, { key: 'validation.key.tooLarge', params: { max: 8, actual: 9 } });
  // Three characters, nine bytes.
  assert.equal((await check({ topic: 't', key: '鍵鍵鍵', message: 'x' })).errors.key?.key, 'validation.key.tooLarge');
  assert.equal((await check({ key: 'k'.repeat(9), value: 'x' }, apiRules)).errors.key?.key, 'validation.key.tooLarge');
});
