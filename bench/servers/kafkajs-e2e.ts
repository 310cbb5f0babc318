/**
 * Reference for part 4: bare kafkajs, no web app. A producer sends one message every 2 ms
 * (open loop, acks -1) and a consumer in the same process times each message from just before
 * send() to eachMessage. Usage: kafkajs-e2e.ts <broker> <topic> <rate> <warmupMs> <durationMs>.
 * Prints one JSON line: {"latencies": [...ms], "sent": n, "received": n, "failed": n}.
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { nowMs, paced } from '../lib/pace.js';

const [broker, topic, rateArg, warmupArg, durationArg] = process.argv.slice(2);
const rate = Number(rateArg);
const warmupMs = Number(warmupArg);
const durationMs = Number(durationArg);
const kafka = new Kafka({ clientId: 'bench-e2e-ref', brokers: [broker], logLevel: logLevel.NOTHING });
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const consumer = kafka.consumer({ groupId: `bench-e2e-ref-${process.pid}` });

const latencies: number[] = [];
let received = 0;
let failed = 0;
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: false });
let joined!: () => void;
const ready = new Promise<void>((r) => (joined = r));
consumer.on(consumer.events.GROUP_JOIN, () => joined());
await consumer.run({
  eachMessage: async ({ message }) => {
    const at = nowMs();
    const [phase, sent] = String(message.value).split(':');
    if (phase === 'm') {
      latencies.push(at - Number(sent));
      received++;
    }
  },
});
await ready;
// Let the consumer's first fetch reach the end of the (empty) topic before timing starts.
await new Promise((r) => setTimeout(r, 1000));

const send = (phase: string) => () => {
  const value = `${phase}:${nowMs()}`;
  producer.send({ topic, acks: -1, messages: [{ value }] }).catch(() => failed++);
};
const warm = send('w');
const measured = send('m');
await paced(rate, warmupMs, () => warm());
const sent = await paced(rate, durationMs, () => measured());
const until = Date.now() + 10_000;
while (received + failed < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
process.stdout.write(`${JSON.stringify({ latencies, sent, received, failed })}\n`);
await consumer.disconnect();
await producer.disconnect();
process.exit(0);
