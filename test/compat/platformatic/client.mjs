// @platformatic/kafka, a client that speaks only the flexible (KIP-482) request versions, run by
// test/compat/platformatic.test.ts under the Node 22 of this directory's package.
// Usage: node client.mjs <produce|consume|admin> bootstrap topic group count [prefix]
// Prints one JSON object on stdout.
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const [mode, bootstrap, topic, group, countArg, prefix = 'pk'] = process.argv.slice(2);
const count = Number(countArg);
const base = { clientId: 'platformatic-compat', bootstrapBrokers: [bootstrap], retries: 2, timeout: 20_000 };
const print = (o) => process.stdout.write(JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? Number(v) : v)) + '\n');

async function produce() {
  const producer = new Producer({ ...base, serializers: stringSerializers, idempotent: true, acks: -1, autocreateTopics: true });
  const acks = [];
  try {
    // One message per send, so each acknowledgement names its own offset.
    for (let i = 0; i < count; i++) {
      const key = `${prefix}-${i}`;
      const res = await producer.send({ messages: [{ topic, key, value: `value of ${key}`, headers: { client: 'platformatic' } }] });
      const o = res.offsets?.[0];
      acks.push({ key, partition: o?.partition, offset: o?.offset });
    }
  } finally {
    await producer.close();
  }
  print({ acks });
}

async function consume() {
  const consumer = new Consumer({ ...base, groupId: group, deserializers: stringDeserializers, sessionTimeout: 10_000, heartbeatInterval: 500 });
  const records = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200 });
    let quiet;
    await new Promise((resolve, reject) => {
      stream.on('error', reject);
      stream.on('data', async (m) => {
        stream.pause();
        try {
          records.push({ key: m.key, value: m.value, partition: m.partition, offset: m.offset, header: m.headers.get('client') ?? null });
          await m.commit();
        } catch (err) {
          reject(err);
          return;
        }
        stream.resume();
        // After the expected count, a quiet second to catch extras.
        if (records.length >= count) {
          clearTimeout(quiet);
          quiet = setTimeout(resolve, 1000);
        }
      });
      if (count === 0) quiet = setTimeout(resolve, 1000);
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  print({ records });
}

async function admin() {
  const a = new Admin(base);
  try {
    const created = `${topic}-admin`;
    await a.createTopics({ topics: [created], partitions: 2, replicas: 1 });
    const topics = (await a.listTopics()).sort();
    const metadata = await a.metadata({ topics: [topic] });
    const t = metadata.topics.get(topic);
    const groups = [...(await a.listGroups()).keys()].sort();
    const described = (await a.describeGroups({ groups: [group] })).get(group);
    const offsets = await a.listConsumerGroupOffsets({ groups: [group] });
    const committed = {};
    for (const tp of offsets[0]?.topics ?? []) {
      for (const p of tp.partitions) committed[String(p.partitionIndex)] = Number(p.committedOffset);
    }
    await a.deleteTopics({ topics: [created] });
    const after = await a.listTopics();
    print({
      topics,
      topicId: t?.id ?? null,
      partitions: t?.partitionsCount ?? null,
      groups,
      groupState: described?.state ?? null,
      committed,
      deletedGone: !after.includes(created),
    });
  } finally {
    await a.close();
  }
}

await { produce, consume, admin }[mode]();
