import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners, type Consumer } from 'kafkajs';
import { brokerFixture, waitFor, type Fixture } from './fixture.js';

const TOPIC = 'grouped';

interface Member {
  consumer: Consumer;
  assigned: number[];
  seen: string[];
}

describe('kafkajs consumer groups', () => {
  let f: Fixture;
  before(async () => {
    // A lower minimum session timeout keeps the expiry test short; semantics are unchanged.
    f = await brokerFixture({ minSessionTimeoutMs: 1000 });
    const admin = f.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3 }] });
    await admin.disconnect();
  });
  after(async () => {
    await f.close();
  });

  const members: Member[] = [];
  after(async () => {
    // Disconnect even after a failed assertion, or kafkajs keeps the test process alive.
    await Promise.all(members.map((m) => m.consumer.disconnect().catch(() => undefined)));
  });

  async function join(groupId: string, handler?: (value: string) => Promise<void>): Promise<Member> {
    // kafkajs heartbeats only between fetches, so an idle fetch must return well inside the session.
    const consumer = f.kafka.consumer({ groupId, sessionTimeout: 2000, heartbeatInterval: 200, rebalanceTimeout: 10_000, maxWaitTimeInMs: 300 });
    const member: Member = { consumer, assigned: [], seen: [] };
    members.push(member);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      member.assigned = [...(e.payload.memberAssignment[TOPIC] ?? [])].sort();
    });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value!.toString();
        member.seen.push(v);
        if (handler) await handler(v);
      },
    });
    return member;
  }

  function covers(members: Member[]): boolean {
    const all = members.flatMap((m) => m.assigned).sort();
    return all.length === 3 && all.join() === '0,1,2';
  }

  it('spreads partitions over three members and rebalances on join, leave and a silent member', async () => {
    const a = await join('g3');
    await waitFor('a owns everything', () => a.assigned.length === 3);
    const b = await join('g3');
    await waitFor('a and b split', () => covers([a, b]) && a.assigned.length > 0 && b.assigned.length > 0);

    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    // c blocks inside its first message, so it stops heartbeating and must be expelled.
    const c = await join('g3', () => stuck);
    await waitFor('three-way split', () => covers([a, b, c]) && [a, b, c].every((m) => m.assigned.length === 1));

    const producer = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [0, 1, 2].map((p) => ({ partition: p, value: `m${p}` })),
    });
    // After c's session times out, a and b take over its partition and get its message.
    await waitFor('c expelled and its partition taken over', () => covers([a, b]), 20_000);
    await waitFor('all three messages handled by a or b', () => ['m0', 'm1', 'm2'].every((v) => a.seen.includes(v) || b.seen.includes(v)), 20_000);
    release();
    await c.consumer.disconnect();

    await b.consumer.disconnect(); // LeaveGroup: a takes everything without waiting for a timeout
    await waitFor('a owns everything again', () => a.assigned.length === 3, 15_000);
    await a.consumer.disconnect();
    await producer.disconnect();
  });

  it('keeps manual commits across a broker restart and replays for a new group id', async () => {
    const producer = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'commits', messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `a${i}` })) });
    await producer.disconnect();

    let markers = 0;
    const isMarker = (v: string) => v.startsWith('marker-');
    const runGroup = async (groupId: string, expect: number) => {
      const consumer = f.kafka.consumer({ groupId, sessionTimeout: 6000, maxWaitTimeInMs: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'commits', fromBeginning: true });
      const seen: string[] = [];
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          seen.push(message.value!.toString());
          await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
      await waitFor(`${expect} messages`, () => seen.filter((v) => !isMarker(v)).length >= expect);
      // A marker at the end of every partition: once the group has read them all, any extra
      // delivery (a replay of something committed) would have come before them.
      const marker = `marker-${++markers}`;
      const mp = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await mp.connect();
      await mp.send({ topic: 'commits', messages: [0, 1, 2].map((partition) => ({ partition, value: `${marker}-${partition}` })) });
      await mp.disconnect();
      await waitFor(`${groupId} read ${marker} in every partition`, () => [0, 1, 2].every((p) => seen.includes(`${marker}-${p}`)));
      await consumer.disconnect();
      return seen.filter((v) => !isMarker(v));
    };

    assert.equal((await runGroup('g-commit', 10)).length, 10);
    await f.restart();
    const p2 = f.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await p2.connect();
    await p2.send({ topic: 'commits', messages: [{ key: 'new', value: 'after-restart' }] });
    await p2.disconnect();
    // Same group after restart: only the new message, because the commits survived.
    assert.deepEqual(await runGroup('g-commit', 1), ['after-restart']);
    // A new group id replays the whole persistent log.
    const replay = await runGroup('g-replay', 11);
    assert.equal(replay.length, 11);
    assert.ok(replay.includes('a0') && replay.includes('after-restart'));
  });
});
