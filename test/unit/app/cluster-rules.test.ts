import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAddPartitions,
  parseCreateTopic,
  parseFailure,
  parseGroup,
  parseReset,
  parseTimestamp,
} from '../../../src/web/validation/cluster-rules.js';

const keys = (p: { errors: Record<string, { key: string }> }) => Object.fromEntries(Object.entries(p.errors).map(([f, m]) => [f, m.key]));

test('create topic: Kafka topic names and 1-1000 partitions', () => {
  assert.deepEqual(parseCreateTopic({ topic: ' orders ', partitions: '4' }).result, { topic: 'orders', partitions: 4 });
  assert.deepEqual(keys(parseCreateTopic({ topic: 'a b', partitions: '0' })), { topic: 'validation.topic.chars', partitions: 'validation.partitions.range' });
  assert.deepEqual(keys(parseCreateTopic({ topic: '..', partitions: '1001' })), { topic: 'validation.topic.dots', partitions: 'validation.partitions.range' });
  assert.deepEqual(keys(parseCreateTopic({ partitions: '2.5' })), { topic: 'validation.topic.required', partitions: 'validation.partitions.range' });
  // Values are kept as typed (trimmed) for the re-rendered form.
  assert.deepEqual(parseCreateTopic({ topic: 'x!', partitions: ' 3 ' }).values, { topic: 'x!', partitions: '3' });
});

test('add partitions: a new total of 2-10000', () => {
  assert.deepEqual(parseAddPartitions({ topic: 't', count: '6' }).result, { topic: 't', count: 6 });
  assert.deepEqual(keys(parseAddPartitions({ topic: 't', count: '1' })), { count: 'validation.partitions.range' });
  assert.deepEqual(keys(parseAddPartitions({ topic: 't', count: '-3' })), { count: 'validation.partitions.range' });
});

test('timestamps: epoch milliseconds or ISO 8601 with an explicit zone', () => {
  assert.equal(parseTimestamp('1714564800000'), 1714564800000);
  assert.equal(parseTimestamp('2024-05-01T12:00:00Z'), Date.UTC(2024, 4, 1, 12));
  assert.equal(parseTimestamp('2024-05-01T14:00:00+02:00'), Date.UTC(2024, 4, 1, 12));
  assert.equal(parseTimestamp('2024-05-01T12:00:00.250Z'), Date.UTC(2024, 4, 1, 12, 0, 0, 250));
  assert.equal(parseTimestamp('2024-05-01T12:00'), undefined, 'no zone: the server would guess');
  assert.equal(parseTimestamp('yesterday'), undefined);
  assert.equal(parseTimestamp('2024-13-45T99:00:00Z'), undefined);
});

test('reset: every target kind, offsets as int64 with an optional partition', () => {
  assert.deepEqual(parseReset({ group: 'g', topic: 't', to: 'earliest' }).result, { group: 'g', topic: 't', target: { kind: 'earliest' } });
  assert.deepEqual(parseReset({ group: 'g', topic: 't', to: 'latest' }).result?.target, { kind: 'latest' });
  assert.deepEqual(parseReset({ group: 'g', topic: 't', to: 'timestamp', timestamp: '5' }).result?.target, { kind: 'timestamp', timestamp: 5 });
  assert.deepEqual(parseReset({ group: 'g', topic: 't', to: 'offset', offset: '9223372036854775807', partition: '' }).result?.target, {
    kind: 'offset',
    offset: 9223372036854775807n,
    partition: undefined,
  });
  assert.deepEqual(parseReset({ group: 'g', topic: 't', to: 'offset', offset: '3', partition: '2' }).result?.target, { kind: 'offset', offset: 3n, partition: 2 });

  assert.deepEqual(keys(parseReset({ group: '', topic: 't', to: 'sideways' })), { group: 'validation.group.required', to: 'validation.reset.to' });
  assert.deepEqual(keys(parseReset({ group: 'g', topic: 't', to: 'timestamp', timestamp: '' })), { timestamp: 'validation.reset.timestamp' });
  assert.deepEqual(keys(parseReset({ group: 'g', topic: 't', to: 'offset', offset: '9223372036854775808' })), { offset: 'validation.reset.offset' });
  assert.deepEqual(keys(parseReset({ group: 'g', topic: 't', to: 'offset', offset: '1', partition: 'x' })), { partition: 'validation.reset.partition' });
  // Fields of other target kinds are ignored.
  assert.ok(parseReset({ group: 'g', topic: 't', to: 'earliest', offset: 'garbage', timestamp: 'garbage' }).result);
});

test('group ids: anything printable up to 255 characters', () => {
  assert.deepEqual(parseGroup({ group: ' my group/with:odd#chars ' }).result, { group: 'my group/with:odd#chars' });
  assert.deepEqual(keys(parseGroup({ group: '   ' })), { group: 'validation.group.required' });
  assert.deepEqual(keys(parseGroup({ group: 'x'.repeat(256) })), { group: 'validation.group.tooLong' });
  assert.deepEqual(keys(parseGroup({ group: 'a\u0001b' })), { group: 'validation.group.chars' });
  assert.deepEqual(keys(parseGroup({ group: ['array'] })), { group: 'validation.group.required' });
});

test('failure switch form: mode, N >= 1, optional stall duration', () => {
  assert.deepEqual(parseFailure({ mode: 'stall', afterMessages: '2', stallMs: '' }).result, { mode: 'stall', afterMessages: 2, stallMs: undefined });
  assert.deepEqual(parseFailure({ mode: 'no-commit-crash', afterMessages: '5', stallMs: '9000' }).result, { mode: 'no-commit-crash', afterMessages: 5, stallMs: 9000 });
  assert.deepEqual(keys(parseFailure({ mode: 'boom', afterMessages: '0', stallMs: '0' })), {
    mode: 'validation.failure.mode',
    afterMessages: 'validation.failure.after',
    stallMs: 'validation.failure.stallMs',
  });
});
