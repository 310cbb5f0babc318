/**
 * One rule per topic setting: for every row of the config table, valid and invalid values get the
 * same answer from CreateTopics with validateOnly, from the real CreateTopics, and from the log
 * manager; what a real create accepted is what DescribeConfigs then reports, as a TOPIC override.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/broker/protocol/errors.js';
import { ConfigSource } from '../../src/broker/protocol/apis/describe-configs.js';
import { TOPIC_CONFIGS, type TopicConfigDef } from '../../src/broker/storage/topic-configs.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { Wire } from '../helpers/kafka-wire.js';

/** Values at and just past each bound, and values of the wrong shape. */
function casesFor(def: TopicConfigDef): (string | null)[] {
  const rule = def.rule;
  if (rule.kind === 'choice') return [...rule.allowed, 'compact', 'shred', '', null];
  if (rule.kind === 'fixed') return [def.value({ effective: { segmentBytes: 1, segmentMs: 1, retentionMs: 1, retentionBytes: 1 }, maxMessageBytes: 1 }), null];
  return [
    String(rule.min),
    String(rule.min + 1),
    String(rule.max),
    String(rule.min - 1),
    // max + 1 as text: past MAX_SAFE_INTEGER a number would round back down.
    (BigInt(rule.max) + 1n).toString(),
    '3000000000',
    '9223372036854775807',
    '1.5',
    'soon',
    '',
    null,
  ];
}

let tb: TestBroker;
let wire: Wire;
before(async () => {
  tb = await startTestBroker();
  wire = await Wire.connect(tb.brokers[0]);
});
after(async () => {
  wire.close();
  await tb.cleanup();
});

const rows = [...TOPIC_CONFIGS.map((d) => [d.name, casesFor(d)] as const), ['no.such.config', ['1', null]] as const];
let n = 0;
for (const [name, values] of rows) {
  test(`${name}: validateOnly, a real create and storage agree`, async () => {
    for (const value of values) {
      const label = `${name}=${JSON.stringify(value)}`;
      const topic = `agree-${n++}`;
      const [dry] = await wire.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, configs: { [name]: value } }], true);
      const [real] = await wire.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, configs: { [name]: value } }]);
      assert.deepEqual(
        { errorCode: real!.errorCode, errorMessage: real!.errorMessage },
        { errorCode: dry!.errorCode, errorMessage: dry!.errorMessage },
        label,
      );
      assert.ok(dry!.errorCode === ErrorCode.NONE || dry!.errorCode === ErrorCode.INVALID_CONFIG, `${label}: ${dry!.errorCode}`);

      const direct = `${topic}-direct`;
      const stored = await tb.broker.logs.createTopic(direct, 1, { [name]: value as string }).then(
        () => ErrorCode.NONE,
        (err: { errorCode?: number }) => err.errorCode,
      );
      assert.equal(stored, dry!.errorCode, `${label}: the log manager's answer`);

      if (real!.errorCode === ErrorCode.NONE) {
        const [described] = await wire.describeConfigs([{ type: 2, name: topic, configNames: [name] }]);
        const entry = described!.configs.find((c) => c.name === name);
        assert.deepEqual(
          { value: entry?.value, source: entry?.source },
          { value, source: ConfigSource.TOPIC },
          label,
        );
      }
    }
  });
}

test('Kafka 3.9.1 refuses segment.bytes past Integer.MAX_VALUE, validateOnly included', async () => {
  const configs = { 'segment.bytes': '3000000000' };
  const [dry] = await wire.createTopics([{ name: 'big-seg', partitions: 1, replicationFactor: 1, configs }], true);
  const [real] = await wire.createTopics([{ name: 'big-seg', partitions: 1, replicationFactor: 1, configs }]);
  assert.deepEqual([dry!.errorCode, real!.errorCode], [ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG]);
});
