/**
 * kcat as the load generator for both peers. The settings below are applied identically to the
 * embedded broker and to the mock cluster, so the ratio compares brokers, not client tuning.
 */
import { runTimed } from './proc.js';

/**
 * Producer: let librdkafka build big batches (up to 10 000 messages / batch.size 1 MB) and keep
 * the whole input queued, so the broker, not the client's queue limit, sets the pace. acks=all is
 * what an application that cares about its data uses.
 */
export const PRODUCER_SETTINGS = [
  'linger.ms=5',
  'batch.num.messages=10000',
  'queue.buffering.max.messages=2000000',
  'queue.buffering.max.kbytes=2097151',
  'acks=all',
  'compression.codec=none',
];

/**
 * Consumer: librdkafka only reports end-of-partition after an empty fetch, which a broker holds
 * for fetch.wait.max.ms (default 500). A short wait keeps that tail out of the throughput figure
 * without changing anything while data is flowing.
 *
 * The queue limits mirror the producer's: the whole topic may sit in the client's pre-fetch queue.
 * With librdkafka 2.0.2's defaults (queued.min.messages 100000, 64 MB) a broker that answers faster
 * than kcat prints fills the queue, and the fetcher then sleeps until its next wake-up, up to a
 * second, each time (seen with `-d fetch`: "not fetchable: queued.min.messages exceeded", then
 * 0.8 s without a Fetch). A 1M consume then measured the client's back-off, 2.0 s instead of 0.6 s,
 * and the faster the broker, the more often it happened.
 */
export const CONSUMER_SETTINGS = ['fetch.wait.max.ms=10', 'queued.min.messages=2000000', 'queued.max.messages.kbytes=2097151'];

const x = (settings: string[]) => settings.flatMap((s) => ['-X', s]);

export async function kcatProduce(address: string, topic: string, file: string, extra: string[] = [], args: string[] = []): Promise<number> {
  const { ms } = await runTimed('kcat', ['-P', '-q', '-b', address, '-t', topic, ...args, ...x([...PRODUCER_SETTINGS, ...extra]), '-l', file], {
    timeoutMs: 300_000,
  });
  return ms;
}

/**
 * Consumes the whole topic from the beginning and counts the lines (one per message). Counting is
 * left to `wc -l` in the same pipeline: on two cores a Node counter in this process would take CPU
 * from the broker under test.
 */
export async function kcatConsumeAll(address: string, topic: string): Promise<{ ms: number; count: number }> {
  const cmd = ['kcat', '-C', '-q', '-e', '-o', 'beginning', '-b', address, '-t', topic, ...x(CONSUMER_SETTINGS)].map(shellQuote).join(' ');
  let out = '';
  const { ms } = await runTimed('bash', ['-o', 'pipefail', '-c', `${cmd} | wc -l`], {
    timeoutMs: 300_000,
    stdoutTo: (b) => {
      out += b.toString('latin1');
    },
  });
  return { ms, count: Number(out.trim()) };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
