/**
 * Differential test: every scenario sends the same raw requests to a fresh embedded broker and
 * to Apache Kafka 3.9.1 (the run's, or one this file starts: it always runs against both), decodes
 * both answers the same way and compares them field by field. Only the allow-listed fields are
 * normalised first (normalise() below; the reasons are in docs/compatibility.md); any other
 * difference fails the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestBroker, type TestBroker } from '../../helpers/broker.js';
import { apacheKafkaBootstrap } from '../../helpers/suite-kafka.js';
import { Wire } from './wire.js';
import { scenarios, type Ctx } from './scenarios.js';

const REFERENCE_VERSION = '3.9.1';

let embedded: TestBroker;
let apache: string;

before(async () => {
  [embedded, apache] = await Promise.all([startTestBroker(), apacheKafkaBootstrap(REFERENCE_VERSION)]);
});
after(() => embedded?.cleanup());

/** Broker-assigned identities, replaced by the order in which they first appear. */
class Aliases {
  private readonly seen = new Map<string, string>();
  of(kind: string, v: string): string {
    const key = `${kind}:${v}`;
    let a = this.seen.get(key);
    if (a === undefined) {
      a = `<${kind}-${[...this.seen.keys()].filter((k) => k.startsWith(`${kind}:`)).length + 1}>`;
      this.seen.set(key, a);
    }
    return a;
  }
}

/**
 * The allow-list, and nothing else: node ids, cluster id, host/port, broker-generated member and
 * producer ids, client host, leader epochs (not tracked: -1 keeps clients from validating them
 * with OffsetForLeaderEpoch, which the broker does not implement), and error message texts
 * (Kafka's are English prose; only their presence is compared). The wire decoders also sort two
 * lists whose order Kafka does not define (Metadata partitions, DeleteGroups results).
 */
export function normalise(v: unknown, aliases: Aliases, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => normalise(x, aliases, key));
  if (typeof v === 'bigint') return key === 'producerId' && v >= 0n ? aliases.of('producer', String(v)) : v;
  if (typeof v === 'number') {
    if (key === 'leaderEpoch') return '<epoch>';
    if (['nodeId', 'controllerId', 'leader', 'replicas', 'isr'].includes(key) && v >= 0) return '<node>';
    return v;
  }
  if (typeof v === 'string') {
    if (key === 'memberId' || key === 'leader') return v === '' ? '' : aliases.of('member', v);
    if (key === 'clusterId') return '<cluster>';
    if (key === 'host' || key === 'clientHost') return '<host>';
    if (key === 'errorMessage') return '<message>';
    return v;
  }
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'port') continue;
      if (x === undefined) continue;
      out[k] = normalise(x, aliases, k);
    }
    return out;
  }
  return v;
}

async function runOn(address: string, run: (ctx: Ctx) => Promise<unknown>, suffix: string): Promise<unknown> {
  const wire = await Wire.connect(address);
  try {
    const aliases = new Aliases();
    const ctx: Ctx = { wire, name: (base) => `diff-${base}-${suffix}`, connect: () => Wire.connect(address) };
    return normalise(await run(ctx), aliases);
  } finally {
    wire.close();
  }
}

describe('embedded broker vs Apache Kafka ' + REFERENCE_VERSION, () => {
  for (const s of scenarios) {
    test(s.name, { timeout: 120_000 }, async () => {
      const suffix = randomBytes(4).toString('hex');
      const [mine, theirs] = await Promise.all([runOn(embedded.brokers[0]!, s.run, suffix), runOn(apache, s.run, suffix)]);
      assert.deepStrictEqual(mine, theirs, `${s.name}: embedded (actual) vs Apache Kafka (expected)`);
    });
  }
});
