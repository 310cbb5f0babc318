import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateTopicConfigs } from '../../../src/broker/storage/topic-configs.js';

describe('validateTopicConfigs', () => {
  it('accepts the supported settings within Kafka bounds', () => {
    assert.equal(
      validateTopicConfigs([
        { name: 'retention.ms', value: '-1' },
        { name: 'retention.bytes', value: '1048576' },
        { name: 'segment.bytes', value: '14' },
        { name: 'segment.ms', value: '1' },
        { name: 'cleanup.policy', value: 'delete' },
      ]),
      null,
    );
  });

  for (const [name, value, pattern] of [
    ['segment.ms', '0', /segment.ms must be at least 1/],
    ['retention.ms', '-5', /retention.ms must be at least -1/],
    ['segment.bytes', '13', /at least 14/],
    ['retention.bytes', '1.5', /integer/],
    ['cleanup.policy', 'compact', /compaction/],
    ['min.insync.replicas', '2', /not supported/],
    ['retention.ms', null, /needs a value/],
  ] as const) {
    it(`refuses ${name}=${value}`, () => {
      assert.match(validateTopicConfigs([{ name, value }]) ?? '', pattern);
    });
  }
});
