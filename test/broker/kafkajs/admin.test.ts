import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { Partitioners, type Admin } from 'kafkajs';

// kafkajs is CommonJS; this enum is only reachable through the default export under ESM.
const { ConfigResourceTypes } = kafkajs;
import { brokerFixture, waitFor, type Fixture } from './fixture.js';

/** kafkajs wraps per-topic admin failures in an aggregate; match the Kafka error type inside. */
function kafkaError(type: string) {
  return (err: unknown) => {
    const e = err as { type?: string; errors?: { type?: string }[] };
    return e.type === type || (e.errors ?? []).some((inner) => inner.type === type);
  };
}

describe('kafkajs admin against the embedded broker', () => {
  let f: Fixture;
  let admin: Admin;
  before(async () => {
    f = await brokerFixture();
    admin = f.kafka.admin();
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await f.close();
  });

  async function produce(topic: string, n: number, prefix = 'm') {
    const producer = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition: 0, value: `${prefix}${i}` })) });
    await producer.disconnect();
  }

  it('describes the cluster with the advertised address', async () => {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.equal(`${cluster.brokers[0].host}:${cluster.brokers[0].port}`, f.broker.address);
    assert.equal(cluster.controller, cluster.brokers[0].nodeId);
  });

  it('creates, lists, grows and deletes topics, with Kafka error codes for bad requests', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 2 }] }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'adm', numPartitions: 2 }] }), false); // exists
    assert.ok((await admin.listTopics()).includes('adm'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad/name' }] }), kafkaError('INVALID_TOPIC_EXCEPTION'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'rf', replicationFactor: 3 }] }), kafkaError('INVALID_REPLICATION_FACTOR'));

    await admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 5 }] });
    let meta = await admin.fetchTopicMetadata({ topics: ['adm'] });
    assert.equal(meta.topics[0].partitions.length, 5);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'adm', count: 3 }] }), kafkaError('INVALID_PARTITIONS'));

    await admin.deleteTopics({ topics: ['adm'] });
    assert.ok(!(await admin.listTopics()).includes('adm'));
    meta = await admin.fetchTopicMetadata({ topics: [] });
    assert.ok(!meta.topics.some((t) => t.name === 'adm'));
  });

  it('fetches topic offsets, offsets by timestamp, and deletes records', async () => {
    await admin.createTopics({ topics: [{ topic: 'offs', numPartitions: 1 }] });
    const before = Date.now();
    await produce('offs', 5);
    let offsets = await admin.fetchTopicOffsets('offs');
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '0', '5']]);

    const byTime = await admin.fetchTopicOffsetsByTimestamp('offs', before - 1000);
    assert.equal(byTime[0].offset, '0');

    await admin.deleteTopicRecords({ topic: 'offs', partitions: [{ partition: 0, offset: '3' }] });
    offsets = await admin.fetchTopicOffsets('offs');
    assert.deepEqual(offsets.map((o) => [o.low, o.high]), [['3', '5']]);
  });

  it('describes configs of a topic and the broker', async () => {
    await admin.createTopics({ topics: [{ topic: 'cfg', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'cfg' }],
    });
    const entry = res.resources[0].configEntries.find((e) => e.configName === 'retention.ms');
    assert.equal(entry?.configValue, '3600000');
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'cfg2', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] }),
      kafkaError('INVALID_CONFIG'),
    );
  });

  it('sets, resets, fetches and deletes group offsets on an empty group and lists/describes groups', async () => {
    await admin.createTopics({ topics: [{ topic: 'grp', numPartitions: 1 }] });
    await produce('grp', 4);
    await admin.setOffsets({ groupId: 'adm-g', topic: 'grp', partitions: [{ partition: 0, offset: '2' }] });
    let fetched = await admin.fetchOffsets({ groupId: 'adm-g', topics: ['grp'] });
    assert.equal(fetched[0].partitions[0].offset, '2');

    // kafkajs commits the symbolic "earliest" (-2), as it does against Apache Kafka; consumers
    // resolve it to the log start when they resume.
    await admin.resetOffsets({ groupId: 'adm-g', topic: 'grp', earliest: true });
    fetched = await admin.fetchOffsets({ groupId: 'adm-g', topics: ['grp'] });
    assert.equal(fetched[0].partitions[0].offset, '-2');

    // A running member makes the group non-empty: Kafka refuses offset changes then.
    const consumer = f.kafka.consumer({ groupId: 'adm-g', sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'grp', fromBeginning: true });
    const seen: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    // One observation for both: all four read, and the group stable with its one member.
    const described = await waitFor('consumer reads the reset group from 0 in a stable group', async () => {
      if (seen.length < 4) return undefined;
      const d = await admin.describeGroups(['adm-g']);
      return d.groups[0].state === 'Stable' ? d : undefined;
    });
    assert.deepEqual([...seen].sort(), ['m0', 'm1', 'm2', 'm3']);
    assert.equal(described.groups[0].members.length, 1);
    const listed = await admin.listGroups();
    assert.ok(listed.groups.some((g) => g.groupId === 'adm-g' && g.protocolType === 'consumer'));
    // kafkajs checks the state the broker describes before it commits anything.
    await assert.rejects(admin.setOffsets({ groupId: 'adm-g', topic: 'grp', partitions: [{ partition: 0, offset: '1' }] }), {
      name: 'KafkaJSNonRetriableError',
      message: 'The consumer group must have no running instances, current state: Stable',
    });
    // The broker itself refuses to delete a group with members: NON_EMPTY_GROUP (68).
    await assert.rejects(admin.deleteGroups(['adm-g']), (err: Error & { groups?: { groupId: string; errorCode: number; error?: { type?: string } }[] }) => {
      assert.equal(err.name, 'KafkaJSDeleteGroupsError');
      assert.deepEqual(
        err.groups?.map((g) => [g.groupId, g.errorCode, g.error?.type]),
        [['adm-g', 68, 'NON_EMPTY_GROUP']],
      );
      return true;
    });

    await consumer.disconnect();
    await waitFor('group empty', async () => (await admin.describeGroups(['adm-g'])).groups[0].state === 'Empty');
    await admin.deleteGroups(['adm-g']);
    fetched = await admin.fetchOffsets({ groupId: 'adm-g', topics: ['grp'] });
    assert.equal(fetched[0].partitions[0].offset, '-1');
  });
});
