/**
 * Apache Kafka's own command-line tools (3.9.1, the classes behind bin/kafka-*.sh, run from the
 * Maven-cached jars) against the embedded broker: each step asserts the tool's exit code and what
 * it printed, and where it changes something, what the broker then holds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureKafkaJars } from '../../scripts/lib/apache-kafka.js';
import { describeRun, run, startCompatBroker, uniqueName, type CompatBroker, type RunResult } from './helpers.js';

const VERSION = '3.9.1';

/** Runs one tool's main class; log4j stays unconfigured so its output does not mix with the tool's. */
async function tool(main: string, args: string[], input?: string): Promise<RunResult> {
  const cp = `${ensureKafkaJars(VERSION)}/*`;
  return run('java', ['-Xmx256m', '-Dlog4j.configuration=file:/dev/null', '-cp', cp, main, ...args], { input, timeoutMs: 180_000 });
}

function ok(what: string, r: RunResult): string {
  if (r.timedOut || r.code !== 0) throw new Error(describeRun(what, r));
  return r.stdout;
}

const TOPICS = 'org.apache.kafka.tools.TopicCommand';
const GROUPS = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

describe(`Kafka ${VERSION} command-line tools`, { timeout: 900_000 }, () => {
  let b: CompatBroker;
  const topic = uniqueName('cli');
  const group = uniqueName('cli-grp');
  const perf = uniqueName('cli-perf');

  before(async () => {
    b = await startCompatBroker();
  });
  after(async () => {
    await b?.close();
  });

  it('kafka-topics --create, --list, --describe, --alter', async () => {
    const created = ok('create', await tool(TOPICS, ['--bootstrap-server', b.address, '--create', '--topic', topic, '--partitions', '2', '--replication-factor', '1', '--config', 'retention.ms=3600000']));
    assert.match(created, new RegExp(`Created topic ${topic}\\.`));
    assert.equal(b.broker.logs.getTopic(topic)?.partitions, 2);

    const dup = await tool(TOPICS, ['--bootstrap-server', b.address, '--create', '--topic', topic, '--partitions', '2']);
    assert.notEqual(dup.code, 0, describeRun('duplicate create', dup));
    assert.match(dup.stdout + dup.stderr, /already exists/);

    const listed = ok('list', await tool(TOPICS, ['--bootstrap-server', b.address, '--list']));
    assert.ok(listed.split('\n').includes(topic), listed);

    const described = ok('describe', await tool(TOPICS, ['--bootstrap-server', b.address, '--describe', '--topic', topic]));
    assert.match(described, new RegExp(`Topic: ${topic}\\s+TopicId: \\S+\\s+PartitionCount: 2\\s+ReplicationFactor: 1\\s+Configs: retention.ms=3600000`));
    assert.match(described, /Partition: 0\s+Leader: \d+\s+Replicas: \d+\s+Isr: \d+/);
    assert.match(described, /Partition: 1\s+Leader: \d+/);

    ok('alter', await tool(TOPICS, ['--bootstrap-server', b.address, '--alter', '--topic', topic, '--partitions', '3']));
    assert.equal(b.broker.logs.getTopic(topic)?.partitions, 3);
    const after = ok('describe after alter', await tool(TOPICS, ['--bootstrap-server', b.address, '--describe', '--topic', topic]));
    assert.match(after, /PartitionCount: 3/);
  });

  it('kafka-console-producer, then kafka-console-consumer --group', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => `key-${i}:value-${i}`);
    ok('console producer', await tool('kafka.tools.ConsoleProducer', ['--bootstrap-server', b.address, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:'], lines.join('\n') + '\n'));
    const ends = [0, 1, 2].reduce((n, p) => n + Number(b.broker.logs.partition(topic, p)!.highWatermark), 0);
    assert.equal(ends, 6);

    const out = ok(
      'console consumer',
      await tool('org.apache.kafka.tools.consumer.ConsoleConsumer', ['--bootstrap-server', b.address, '--topic', topic, '--group', group, '--from-beginning', '--max-messages', '6', '--property', 'print.key=true', '--property', 'key.separator=:', '--timeout-ms', '60000']),
    );
    assert.deepEqual(out.trim().split('\n').sort(), [...lines].sort());
  });

  it('kafka-consumer-groups --list, --describe, --reset-offsets --execute, --delete-offsets, --delete', async () => {
    const listed = ok('groups list', await tool(GROUPS, ['--bootstrap-server', b.address, '--list']));
    assert.ok(listed.split('\n').includes(group), listed);

    const described = ok('groups describe', await tool(GROUPS, ['--bootstrap-server', b.address, '--describe', '--group', group]));
    // The console consumer committed on exit: every partition at its end, lag 0.
    const rows = described.split('\n').filter((l) => l.startsWith(group));
    assert.equal(rows.length, 3, described);
    for (const row of rows) {
      const [, t, , current, end, lag] = row.trim().split(/\s+/);
      assert.equal(t, topic);
      assert.equal(current, end, row);
      assert.equal(lag, '0', row);
    }

    const reset = ok('reset offsets', await tool(GROUPS, ['--bootstrap-server', b.address, '--reset-offsets', '--group', group, '--topic', topic, '--to-earliest', '--execute']));
    // GROUP TOPIC PARTITION NEW-OFFSET rows (3.9.1 prints them without line breaks between them).
    const resetRows = [...reset.matchAll(new RegExp(`${group}\\s+${topic}\\s+(\\d+)\\s+(\\d+)`, 'g'))];
    assert.deepEqual(resetRows.map((m) => [m[1], m[2]]).sort(), [['0', '0'], ['1', '0'], ['2', '0']], reset);
    const again = ok('groups describe after reset', await tool(GROUPS, ['--bootstrap-server', b.address, '--describe', '--group', group]));
    const lags = again.split('\n').filter((l) => l.startsWith(group)).map((l) => Number(l.trim().split(/\s+/)[5]));
    assert.equal(lags.reduce((a, c) => a + c, 0), 6, again);

    const offDel = ok('groups delete-offsets', await tool(GROUPS, ['--bootstrap-server', b.address, '--delete-offsets', '--group', group, '--topic', `${topic}:0`]));
    assert.match(offDel, new RegExp(`Request succeed for deleting offsets with topic ${topic}:0 group ${group}`));
    assert.match(offDel, new RegExp(`${topic}\\s+0\\s+Successful`));
    const afterOffDel = ok('groups describe after delete-offsets', await tool(GROUPS, ['--bootstrap-server', b.address, '--describe', '--group', group]));
    const partsLeft = afterOffDel.split('\n').filter((l) => l.startsWith(group)).map((l) => l.trim().split(/\s+/)[2]).sort();
    assert.deepEqual(partsLeft, ['1', '2'], afterOffDel);

    const deleted = ok('groups delete', await tool(GROUPS, ['--bootstrap-server', b.address, '--delete', '--group', group]));
    assert.match(deleted, new RegExp(`Deletion of requested consumer groups \\('${group}'\\) was successful`));
    const listedAfter = ok('groups list after delete', await tool(GROUPS, ['--bootstrap-server', b.address, '--list']));
    assert.ok(!listedAfter.split('\n').includes(group), listedAfter);
  });

  it('kafka-configs --describe', async () => {
    const out = ok('configs describe', await tool('kafka.admin.ConfigCommand', ['--bootstrap-server', b.address, '--entity-type', 'topics', '--entity-name', topic, '--describe']));
    assert.match(out, new RegExp(`Dynamic configs for topic ${topic} are:`));
    assert.match(out, /retention\.ms=3600000/);
  });

  it('kafka-producer-perf-test and kafka-consumer-perf-test', async () => {
    const produced = ok(
      'producer perf',
      await tool('org.apache.kafka.tools.ProducerPerformance', ['--topic', perf, '--num-records', '3000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${b.address}`, 'acks=all', 'compression.type=lz4']),
    );
    assert.match(produced, /3000 records sent/);
    const hw = [0, 1, 2].reduce((n, p) => n + Number(b.broker.logs.partition(perf, p)?.highWatermark ?? 0), 0);
    assert.equal(hw, 3000);

    const consumed = ok('consumer perf', await tool('org.apache.kafka.tools.ConsumerPerformance', ['--bootstrap-server', b.address, '--topic', perf, '--messages', '3000', '--timeout', '60000']));
    const [header, values] = consumed.trim().split('\n').slice(-2);
    const cols = header!.split(',').map((s) => s.trim());
    const nMsg = values!.split(',').map((s) => s.trim())[cols.indexOf('data.consumed.in.nMsg')];
    assert.equal(nMsg, '3000', consumed);
  });
});
