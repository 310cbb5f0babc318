import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SendCoalescer, type PartitionResult } from '../../../src/kafka/send-coalescer.js';

interface Msg {
  key: string;
}

/** A stand-in producer: partitions by key length and keeps a log per partition, like a broker. */
function fakeProducer(opts: { failWhen?: (keys: string[]) => boolean } = {}) {
  const logs = new Map<string, number>();
  const partitions = new WeakMap<object, number>();
  const requests: string[][] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  return {
    requests,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => release(),
    coalescer: (limits: { maxBatchBytes?: number; soloBytes?: number } = {}) =>
      new SendCoalescer<Msg>({
        ...limits,
        partitionOf: (m) => partitions.get(m),
        async sendBatch(batch) {
          requests.push(batch.flatMap((t) => t.messages.map((m) => m.key)));
          await gate;
          if (opts.failWhen?.(batch.flatMap((t) => t.messages.map((m) => m.key)))) throw new Error('rejected');
          const results = new Map<string, PartitionResult>();
          for (const t of batch) {
            for (const m of t.messages) {
              const p = m.key.length % 3;
              partitions.set(m, p);
              const k = `${t.topic}/${p}`;
              const next = logs.get(k) ?? 0;
              logs.set(k, next + 1);
              if (!results.has(k)) results.set(k, { topicName: t.topic, partition: p, baseOffset: String(next) });
            }
          }
          return [...results.values()];
        },
      }),
  };
}

describe('SendCoalescer', () => {
  it('sends messages that queue behind an in-flight request together, each with its own offset', async () => {
    const fake = fakeProducer();
    const c = fake.coalescer();
    fake.hold();
    const first = c.send({ topic: 't', message: { key: 'a' }, size: 1 });
    const rest = ['b', 'cc', 'dd', 'eee', 'f'].map((key) => c.send({ topic: key === 'f' ? 'u' : 't', message: { key }, size: key.length }));
    fake.release();
    const results = await Promise.all([first, ...rest]);
    assert.deepEqual(fake.requests, [['a'], ['b', 'cc', 'dd', 'eee', 'f']]);
    assert.deepEqual(
      results.map((r) => `${r.topic}/${r.partition}@${r.offset}`),
      ['t/1@0', 't/1@1', 't/2@0', 't/2@1', 't/0@0', 'u/1@0'],
    );
  });

  it('sends big messages alone and caps batch bytes', async () => {
    const fake = fakeProducer();
    const c = fake.coalescer({ maxBatchBytes: 10, soloBytes: 6 });
    fake.hold();
    const sends = [
      c.send({ topic: 't', message: { key: 'x' }, size: 1 }),
      c.send({ topic: 't', message: { key: 'a' }, size: 4 }),
      c.send({ topic: 't', message: { key: 'b' }, size: 4 }),
      c.send({ topic: 't', message: { key: 'c' }, size: 4 }),
      c.send({ topic: 't', message: { key: 'big' }, size: 7 }),
      c.send({ topic: 't', message: { key: 'd' }, size: 1 }),
    ];
    fake.release();
    await Promise.all(sends);
    assert.deepEqual(fake.requests, [['x'], ['a', 'b'], ['c'], ['big'], ['d']]);
  });

  it('fails every message of a failed request, and only those', async () => {
    const fake = fakeProducer({ failWhen: (keys) => keys.includes('bad') });
    const c = fake.coalescer();
    fake.hold();
    const lead = c.send({ topic: 't', message: { key: 'ok' }, size: 2 });
    const doomed = [c.send({ topic: 't', message: { key: 'bad' }, size: 3 }), c.send({ topic: 't', message: { key: 'also' }, size: 4 })];
    fake.release();
    await lead;
    for (const d of doomed) await assert.rejects(d, /rejected/);
    assert.equal((await c.send({ topic: 't', message: { key: 'later' }, size: 5 })).topic, 't');
  });
});
